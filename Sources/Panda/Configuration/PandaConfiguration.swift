/// Every setting Panda has. Defaults live in `config/panda.json`; the same keys can be
/// overridden by `PANDA_*` environment variables and `panda serve` flags.
public struct PandaConfiguration: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        public var address = "127.0.0.1"
        public var port = 8080
        public var connectionLimit = 10_000
        public var connectionMemoryLimitBytes = 32 * 1024
        public var idleTimeoutSeconds = 60
        public var maxBodyBytes = 64 * 1024
        public var shutdownGraceSeconds = 3
        /// On SIGTERM/SIGINT, running deployments get this long to finish before they are cancelled.
        public var drainSeconds = 60
        /// `Host` values answered (others get 421); the bound address is always allowed.
        /// A name without a port matches it without one or with the bound port; `*` allows any.
        public var allowedHosts = ["localhost", "127.0.0.1", "[::1]"]
        /// Simultaneous connections from one client address (0 = no limit).
        public var perClientConnectionLimit = 256
        /// A request's headers must arrive within this many seconds (below `idleTimeoutSeconds`).
        public var headerTimeoutSeconds = 10
    }

    public struct CORS: Sendable, Equatable {
        public var allowedOrigins: [String] = []
    }

    public struct Auth: Sendable, Equatable, CustomStringConvertible {
        /// When empty, `/api/v1` is open (the original's behaviour).
        public var apiKeys: [String] = []
        /// Serve a non-loopback address without API keys anyway (start-up refuses otherwise).
        public var allowAnonymous = false
        public var description: String { "Auth(apiKeys: \(apiKeys.count) configured, allowAnonymous: \(allowAnonymous))" }
    }

    public struct Connections: Sendable, Equatable {
        /// GitHub and AWS validations running at once; more are answered 429 with `Retry-After`.
        public var maxConcurrentValidations = 4
        /// Connections kept; past it, connecting is refused until one is deleted.
        public var max = 1000
    }

    public struct Events: Sendable, Equatable {
        public var keepAliveSeconds = 15
        public var maxStreamSeconds = 300
        public var closeAfterTerminalSeconds = 5
        public var retryMilliseconds = 5000
        /// A longer line of tool output is cut, with a marker saying how much.
        public var maxLineBytes = 4096
        /// Tool output one deployment keeps; past it output events are dropped (an event says so).
        public var maxOutputBytesPerDeployment = 4 * 1024 * 1024
    }

    public struct Deployments: Sendable, Equatable {
        public var maxConcurrent = 10
        public var queueCapacity = 50
        public var stageTimeoutSeconds = 600
        public var deploymentTimeoutSeconds = 1800
        public var resultCapacity = 1000
    }

    public struct GitHub: Sendable, Equatable {
        public var apiBaseURL = "https://api.github.com"
        public var gitBaseURL = "https://github.com"
        public var timeoutSeconds = 10
    }

    public struct AWS: Sendable, Equatable {
        /// Sent to the aws CLI as `AWS_ENDPOINT_URL`; empty means the real AWS endpoints.
        public var endpointURL = ""
        /// Push to this registry host instead of the account's ECR endpoint (staging, tests).
        public var registryHostOverride = ""
        public var validationTimeoutSeconds = 20
        public var clusterName = "panda-cluster"
        public var ecrScanOnPush = false
        public var ecrImmutableTags = false
        /// Network: empty means the account's default VPC and its subnets.
        public var vpcId = ""
        public var subnetIds: [String] = []
        /// Who may reach the load balancer's production and test ports.
        public var allowedCIDRs = ["0.0.0.0/0"]
        /// Empty: the account's `ecsTaskExecutionRole`, created when IAM allows.
        public var executionRoleARN = ""
        public var taskCPU = 256
        public var taskMemory = 512
        /// Used when the Dockerfile has no `EXPOSE`.
        public var containerPort = 8080
        public var desiredCount = 1
        public var productionPort = 80
        public var testPort = 8080
        /// `AWS_MAX_ATTEMPTS` of every aws CLI call (adaptive retry mode, throttling included).
        public var maxAttempts = 5
        /// ECS ignores failing load balancer health checks of a new task for this long (slow boots).
        public var healthCheckGracePeriodSeconds = 120
        /// The tasks' CPU architecture: `X86_64` or `ARM64` (the image is built for it).
        public var cpuArchitecture = "X86_64"
        /// How long IAM propagation errors (a role just created, not yet assumable) are waited out.
        public var iamPropagationSeconds = 90
        /// Who may reach the test listener, where green answers before any check passed.
        /// Panda probes green there, so its own address must be among them.
        public var testListenerCIDRs = ["0.0.0.0/0"]
        /// CloudWatch Logs retention of the application's log group; rounded up to a value
        /// CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, …, 3653).
        public var logRetentionDays = 30
        /// The ECR lifecycle policy keeps this many newest images per repository.
        public var ecrKeepImages = 10
        /// How long a target group keeps sending in-flight requests to a deregistered task.
        public var deregistrationDelaySeconds = 30
        /// ECS deployment circuit breaker on the services, and whether it rolls back.
        public var circuitBreaker = true
        public var circuitBreakerRollback = true
    }

    public struct Health: Sendable, Equatable {
        public var path = "/health"
        public var checks = 5
        public var intervalMilliseconds = 2000
        public var timeoutSeconds = 5
        /// Green fails when more than this share of its probes fail (0.0–1.0).
        public var maxErrorRate = 0.0
        /// Green's median latency must stay under this, and under blue's times `maxLatencyRatio`.
        public var maxLatencyMs = 2000
        public var maxLatencyRatio = 3.0
        public var preTrafficChecks = 1
        public var postTrafficChecks = 3
        /// How often stage 4 looks at ECS and the target group while green starts.
        public var pollIntervalSeconds = 3
        /// Time the old version stays up after the switch before it is scaled to 0.
        public var bakeSeconds = 0
        /// curl-style `--connect-to` entries `HOST:PORT:CONNECT-HOST:CONNECT-PORT` (empty HOST or
        /// PORT matches any) for probes where the load balancer's name does not resolve.
        public var connectTo: [String] = []
        /// HTTP codes that count as healthy, for the target groups and Panda's own probes (`200-399`, `200,302`).
        public var matcher = "200-399"
        /// The target groups' own health check: every this many seconds (AWS allows 5–300),
        public var targetGroupIntervalSeconds = 10
        /// each check waiting this long (2–120, less than the interval),
        public var targetGroupTimeoutSeconds = 5
        /// healthy after this many passes in a row, unhealthy after this many failures (2–10).
        public var healthyThreshold = 2
        public var unhealthyThreshold = 3
    }

    public struct Docker: Sendable, Equatable {
        /// Images Panda built that are kept locally per repository; older ones are pruned.
        public var keepImagesPerRepository = 3
    }

    /// Time limits of single child processes whose work is not a stage's main job (those
    /// take `deployments.stageTimeoutSeconds`: clone, build, push).
    public struct Commands: Sendable, Equatable {
        /// Each `aws` call of a deployment.
        public var awsTimeoutSeconds = 120
        /// Short docker commands: tag, login, image ls, image rm.
        public var dockerTimeoutSeconds = 120
        /// Local git commands (`rev-parse`).
        public var gitTimeoutSeconds = 30
        /// Child processes run this much lower in CPU priority (`nice`), so a deployment's tools
        /// do not slow down API answers and event streams; 0 runs them at Panda's priority.
        public var niceness = 10
    }

    public struct Docs: Sendable, Equatable {
        public var swaggerUIDirectory = "vendor/swagger-ui"
        /// The OpenAPI document served as-is at `/api-docs`, read once at start.
        public var openAPIFile = "api/openapi.json"
    }

    public struct Storage: Sendable, Equatable {
        /// Where the database and (without PANDA_SECRET_KEY) the key live; created 0700.
        public var directory = "data"
    }

    public struct Log: Sendable, Equatable {
        /// `text` (one human-readable line per entry) or `json` (one JSON object per line).
        public var format = "text"
        /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`.
        public var level = "info"
        /// One `request` line per HTTP request, at info. A busy server turns it off: on the hot
        /// path it costs as much as the answer itself, and `/metrics` counts every request anyway.
        public var requests = true
        public static let formats = ["text", "json"]
        public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
    }

    public var server = Server()
    public var cors = CORS()
    public var auth = Auth()
    public var events = Events()
    public var deployments = Deployments()
    public var github = GitHub()
    public var aws = AWS()
    public var docker = Docker()
    public var health = Health()
    public var docs = Docs()
    public var commands = Commands()
    public var storage = Storage()
    public var connections = Connections()
    public var log = Log()

    public init() {}
}
