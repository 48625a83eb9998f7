import Testing
import Tools

/// The exact argv of every aws builder: what the core asks for is what the aws CLI gets.
@Suite struct AWSBuilderTests {
    let cli = AWSCLI(credentials: AWSCredentials(accessKeyId: Secret("AKIAUNIT"), secretAccessKey: Secret("unit")), region: "eu-west-1")
    static let json = ["--output", "json"]

    /// Every builder once, with and without tags where it takes them.
    var everyCommand: [Command] {
        let container = ECSContainerDefinition(name: "app", image: "reg/app:1", containerPort: 8080, logGroup: "/ecs/panda/app",
                                               region: "eu-west-1", streamPrefix: "panda")
        let network = ECSNetwork(subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"], assignPublicIP: true)
        let binding = ECSLoadBalancerBinding(targetGroupARN: "arn:tg", containerName: "app", containerPort: 8080)
        return [
            cli.ecr.describeRepositories(names: ["octo-app"]),
            cli.ecr.createRepository(name: "octo-app", scanOnPush: false, immutableTags: false),
            cli.ecr.getLoginPassword(),
            cli.ecs.describeClusters(names: ["panda-cluster"]),
            cli.ecs.createCluster(name: "panda-cluster"),
            cli.ecs.registerTaskDefinition(family: "f", cpu: 256, memory: 512, executionRoleARN: "arn:role", containers: [container]),
            cli.ecs.describeServices(cluster: "c", services: ["s"]),
            cli.ecs.createService(cluster: "c", name: "s", taskDefinition: "arn:td", desiredCount: 0, network: network, loadBalancers: [binding]),
            cli.ecs.updateService(cluster: "c", service: "s", desiredCount: 1),
            cli.ecs.listTasks(cluster: "c", serviceName: "s", desiredStatus: .stopped),
            cli.ecs.describeTasks(cluster: "c", tasks: ["t1"]),
            cli.elbv2.describeLoadBalancers(names: ["lb"]),
            cli.elbv2.createLoadBalancer(name: "lb", subnets: ["subnet-1"], securityGroups: ["sg-1"]),
            cli.elbv2.describeTargetGroups(names: ["tg"]),
            cli.elbv2.createTargetGroup(name: "tg", port: 80, vpcID: "vpc-1", healthCheck: TargetGroupHealthCheck(path: "/")),
            cli.elbv2.modifyTargetGroup(arn: "arn:tg", healthCheck: TargetGroupHealthCheck(path: "/")),
            cli.elbv2.describeListeners(loadBalancerARN: "arn:lb"),
            cli.elbv2.createListener(loadBalancerARN: "arn:lb", port: 80, targetGroupARN: "arn:tg"),
            cli.elbv2.modifyListener(listenerARN: "arn:l", targetGroupARN: "arn:tg"),
            cli.elbv2.describeTargetHealth(targetGroupARN: "arn:tg"),
            cli.ec2.describeDefaultVPCs(),
            cli.ec2.describeSubnets(vpcID: "vpc-1"),
            cli.ec2.describeRouteTables(vpcID: "vpc-1"),
            cli.ec2.describeSecurityGroups(name: "g", vpcID: "vpc-1"),
            cli.ec2.createSecurityGroup(name: "g", description: "d", vpcID: "vpc-1"),
            cli.ec2.authorizeSecurityGroupIngress(groupID: "sg-1", rules: [EC2IngressRule(port: 80, from: .cidrs(["0.0.0.0/0"]))]),
            cli.iam.getRole(name: "r"),
            cli.iam.createRole(name: "r", trustedService: "ecs-tasks.amazonaws.com"),
            cli.iam.attachRolePolicy(roleName: "r", policyARN: "arn:p"),
            cli.iam.listAttachedRolePolicies(roleName: "r"),
            cli.iam.createServiceLinkedRole(awsServiceName: "ecs.amazonaws.com"),
            cli.logs.createLogGroup(name: "/ecs/panda/app"),
            cli.sts.getCallerIdentity(),
            cli.tagging.getResources(taggedWith: ["panda:app": "octo/app"]),
            cli.ecr.keepNewestImages(repository: "octo-app", keep: 10),
            cli.ecr.listTagsForResource(arn: "arn:repo"),
            cli.ecr.deleteRepository(name: "octo-app"),
            cli.ecs.deleteService(cluster: "c", service: "s"),
            cli.ecs.deregisterTaskDefinition("arn:td:1"),
            cli.ecs.deleteTaskDefinitions(["arn:td:1"]),
            cli.elbv2.setDeregistrationDelay(targetGroupARN: "arn:tg", seconds: 30),
            cli.elbv2.addTags(resourceARNs: ["arn:lb"], tags: ["k": "v"]),
            cli.elbv2.deleteListener(arn: "arn:l"),
            cli.elbv2.deleteLoadBalancer(arn: "arn:lb"),
            cli.elbv2.deleteTargetGroup(arn: "arn:tg"),
            cli.ec2.revokeSecurityGroupIngress(groupID: "sg-1", rules: [EC2IngressRule(port: 80, from: .cidrs(["0.0.0.0/0"]))]),
            cli.ec2.deleteSecurityGroup(groupID: "sg-1"),
            cli.logs.putRetentionPolicy(logGroup: "/ecs/panda/app", days: 30),
            cli.logs.deleteLogGroup(name: "/ecs/panda/app"),
        ]
    }

    @Test func everyOperationHasABuilderAndEveryBuilderAnOperation() {
        let built = Set(everyCommand.map { $0.arguments.prefix(2).joined(separator: " ") })
        #expect(built == Set(AWSOperations.all.map(\.command)))
        for command in everyCommand {
            #expect(command.executable == "aws")
            #expect(command.environment == cli.environment)
        }
    }

    @Test func ecr() {
        #expect(cli.ecr.describeRepositories(names: ["octo-app"]).arguments
            == ["ecr", "describe-repositories", "--repository-names", "octo-app"] + Self.json)
        #expect(cli.ecr.createRepository(name: "octo-app", scanOnPush: true, immutableTags: false).arguments == [
            "ecr", "create-repository", "--repository-name", "octo-app", "--image-scanning-configuration", "scanOnPush=true",
            "--image-tag-mutability", "MUTABLE",
        ] + Self.json)
        #expect(cli.ecr.createRepository(name: "r", scanOnPush: false, immutableTags: true, tags: ["panda:app": "octo-app", "a": "1"]).arguments == [
            "ecr", "create-repository", "--repository-name", "r", "--image-scanning-configuration", "scanOnPush=false",
            "--image-tag-mutability", "IMMUTABLE", "--tags", #"[{"Key":"a","Value":"1"},{"Key":"panda:app","Value":"octo-app"}]"#,
        ] + Self.json)
        // The bare password, not JSON.
        #expect(cli.ecr.getLoginPassword().arguments == ["ecr", "get-login-password"])
    }

    @Test func ecsClustersAndTaskDefinitions() {
        #expect(cli.ecs.describeClusters(names: ["panda-cluster"]).arguments == ["ecs", "describe-clusters", "--clusters", "panda-cluster"] + Self.json)
        #expect(cli.ecs.createCluster(name: "panda-cluster").arguments == ["ecs", "create-cluster", "--cluster-name", "panda-cluster"] + Self.json)
        #expect(cli.ecs.createCluster(name: "c", tags: ["k": "v"]).arguments
            == ["ecs", "create-cluster", "--cluster-name", "c", "--tags", #"[{"key":"k","value":"v"}]"#] + Self.json)
        let container = ECSContainerDefinition(name: "app", image: "reg/app:1", containerPort: 8080, logGroup: "/ecs/panda/app",
                                               region: "eu-west-1", streamPrefix: "panda")
        let containers = #"[{"essential":true,"image":"reg/app:1","logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/panda/app","awslogs-region":"eu-west-1","awslogs-stream-prefix":"panda"}},"name":"app","portMappings":[{"containerPort":8080,"protocol":"tcp"}]}]"#
        #expect(cli.ecs.registerTaskDefinition(family: "panda-app", cpu: 256, memory: 512, executionRoleARN: "arn:role",
                                               containers: [container], cpuArchitecture: "ARM64").arguments == [
            "ecs", "register-task-definition", "--family", "panda-app", "--requires-compatibilities", "FARGATE", "--network-mode", "awsvpc",
            "--cpu", "256", "--memory", "512", "--execution-role-arn", "arn:role", "--container-definitions", containers,
            "--runtime-platform", "cpuArchitecture=ARM64,operatingSystemFamily=LINUX",
        ] + Self.json)
        #expect(!cli.ecs.registerTaskDefinition(family: "f", cpu: 256, memory: 512, executionRoleARN: "r", containers: [container])
            .arguments.contains("--runtime-platform"))
    }

    @Test func ecsServicesAndTasks() {
        let network = ECSNetwork(subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"], assignPublicIP: true)
        let binding = ECSLoadBalancerBinding(targetGroupARN: "arn:tg", containerName: "app", containerPort: 8080)
        #expect(cli.ecs.describeServices(cluster: "c", services: ["s1", "s2"]).arguments
            == ["ecs", "describe-services", "--cluster", "c", "--services", "s1", "s2"] + Self.json)
        #expect(cli.ecs.createService(cluster: "c", name: "s", taskDefinition: "arn:td", desiredCount: 0, network: network,
                                      loadBalancers: [binding], healthCheckGracePeriodSeconds: 60, tags: ["k": "v"]).arguments == [
            "ecs", "create-service", "--cluster", "c", "--service-name", "s", "--task-definition", "arn:td", "--desired-count", "0",
            "--launch-type", "FARGATE",
            "--network-configuration", #"{"awsvpcConfiguration":{"assignPublicIp":"ENABLED","securityGroups":["sg-1"],"subnets":["subnet-1","subnet-2"]}}"#,
            "--load-balancers", #"[{"containerName":"app","containerPort":8080,"targetGroupArn":"arn:tg"}]"#,
            "--health-check-grace-period-seconds", "60", "--tags", #"[{"key":"k","value":"v"}]"#,
        ] + Self.json)
        #expect(cli.ecs.updateService(cluster: "c", service: "s", desiredCount: 2).arguments
            == ["ecs", "update-service", "--cluster", "c", "--service", "s", "--desired-count", "2"] + Self.json)
        #expect(cli.ecs.updateService(cluster: "c", service: "s", taskDefinition: "arn:td", desiredCount: 0, loadBalancers: [binding],
                                      healthCheckGracePeriodSeconds: 30).arguments == [
            "ecs", "update-service", "--cluster", "c", "--service", "s", "--task-definition", "arn:td", "--desired-count", "0",
            "--load-balancers", #"[{"containerName":"app","containerPort":8080,"targetGroupArn":"arn:tg"}]"#,
            "--health-check-grace-period-seconds", "30",
        ] + Self.json)
        #expect(cli.ecs.listTasks(cluster: "c", serviceName: "s", desiredStatus: .stopped).arguments
            == ["ecs", "list-tasks", "--cluster", "c", "--service-name", "s", "--desired-status", "STOPPED"] + Self.json)
        #expect(cli.ecs.listTasks(cluster: "c", serviceName: "s", desiredStatus: .running).arguments.contains("RUNNING"))
        #expect(cli.ecs.describeTasks(cluster: "c", tasks: ["t1", "t2"]).arguments
            == ["ecs", "describe-tasks", "--cluster", "c", "--tasks", "t1", "t2"] + Self.json)
    }

    @Test func elbv2() {
        #expect(cli.elbv2.describeLoadBalancers(names: ["lb"]).arguments == ["elbv2", "describe-load-balancers", "--names", "lb"] + Self.json)
        #expect(cli.elbv2.createLoadBalancer(name: "lb", subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"], tags: ["k": "v"]).arguments == [
            "elbv2", "create-load-balancer", "--name", "lb", "--type", "application", "--scheme", "internet-facing",
            "--subnets", "subnet-1", "subnet-2", "--security-groups", "sg-1", "--tags", #"[{"Key":"k","Value":"v"}]"#,
        ] + Self.json)
        #expect(cli.elbv2.describeTargetGroups(names: ["tg"]).arguments == ["elbv2", "describe-target-groups", "--names", "tg"] + Self.json)
        let check = TargetGroupHealthCheck(path: "/health", matcher: "200-399", intervalSeconds: 10, timeoutSeconds: 4,
                                           healthyThreshold: 2, unhealthyThreshold: 3)
        let checkArguments = [
            "--health-check-protocol", "HTTP", "--health-check-path", "/health", "--matcher", "HttpCode=200-399",
            "--health-check-interval-seconds", "10", "--health-check-timeout-seconds", "4",
            "--healthy-threshold-count", "2", "--unhealthy-threshold-count", "3",
        ]
        #expect(cli.elbv2.createTargetGroup(name: "tg", port: 8080, vpcID: "vpc-1", healthCheck: check).arguments == [
            "elbv2", "create-target-group", "--name", "tg", "--protocol", "HTTP", "--port", "8080", "--vpc-id", "vpc-1",
            "--target-type", "ip",
        ] + checkArguments + Self.json)
        #expect(cli.elbv2.modifyTargetGroup(arn: "arn:tg", healthCheck: check).arguments
            == ["elbv2", "modify-target-group", "--target-group-arn", "arn:tg"] + checkArguments + Self.json)
        #expect(cli.elbv2.describeListeners(loadBalancerARN: "arn:lb").arguments
            == ["elbv2", "describe-listeners", "--load-balancer-arn", "arn:lb"] + Self.json)
        #expect(cli.elbv2.createListener(loadBalancerARN: "arn:lb", port: 80, targetGroupARN: "arn:tg").arguments == [
            "elbv2", "create-listener", "--load-balancer-arn", "arn:lb", "--protocol", "HTTP", "--port", "80",
            "--default-actions", "Type=forward,TargetGroupArn=arn:tg",
        ] + Self.json)
        #expect(cli.elbv2.modifyListener(listenerARN: "arn:l", targetGroupARN: "arn:tg").arguments
            == ["elbv2", "modify-listener", "--listener-arn", "arn:l", "--default-actions", "Type=forward,TargetGroupArn=arn:tg"] + Self.json)
        #expect(cli.elbv2.describeTargetHealth(targetGroupARN: "arn:tg").arguments
            == ["elbv2", "describe-target-health", "--target-group-arn", "arn:tg"] + Self.json)
    }

    @Test func ec2() {
        #expect(cli.ec2.describeDefaultVPCs().arguments == ["ec2", "describe-vpcs", "--filters", "Name=isDefault,Values=true"] + Self.json)
        #expect(cli.ec2.describeSubnets(vpcID: "vpc-1").arguments == ["ec2", "describe-subnets", "--filters", "Name=vpc-id,Values=vpc-1"] + Self.json)
        #expect(cli.ec2.describeRouteTables(vpcID: "vpc-1").arguments
            == ["ec2", "describe-route-tables", "--filters", "Name=vpc-id,Values=vpc-1"] + Self.json)
        #expect(cli.ec2.describeSecurityGroups(name: "g", vpcID: "vpc-1").arguments
            == ["ec2", "describe-security-groups", "--filters", "Name=group-name,Values=g", "Name=vpc-id,Values=vpc-1"] + Self.json)
        #expect(cli.ec2.createSecurityGroup(name: "g", description: "Panda tasks", vpcID: "vpc-1").arguments
            == ["ec2", "create-security-group", "--group-name", "g", "--description", "Panda tasks", "--vpc-id", "vpc-1"] + Self.json)
        #expect(cli.ec2.createSecurityGroup(name: "g", description: "d", vpcID: "vpc-1", tags: ["k": "v"]).arguments == [
            "ec2", "create-security-group", "--group-name", "g", "--description", "d", "--vpc-id", "vpc-1",
            "--tag-specifications", #"[{"ResourceType":"security-group","Tags":[{"Key":"k","Value":"v"}]}]"#,
        ] + Self.json)
        #expect(cli.ec2.authorizeSecurityGroupIngress(groupID: "sg-1", rules: [
            EC2IngressRule(port: 80, from: .cidrs(["0.0.0.0/0"])), EC2IngressRule(port: 8080, from: .securityGroup("sg-2")),
        ]).arguments == [
            "ec2", "authorize-security-group-ingress", "--group-id", "sg-1", "--ip-permissions",
            #"[{"FromPort":80,"IpProtocol":"tcp","IpRanges":[{"CidrIp":"0.0.0.0/0"}],"ToPort":80},{"FromPort":8080,"IpProtocol":"tcp","ToPort":8080,"UserIdGroupPairs":[{"GroupId":"sg-2"}]}]"#,
        ] + Self.json)
    }

    @Test func iamLogsAndSTS() {
        #expect(cli.iam.getRole(name: "ecsTaskExecutionRole").arguments == ["iam", "get-role", "--role-name", "ecsTaskExecutionRole"] + Self.json)
        #expect(cli.iam.createRole(name: "r", trustedService: "ecs-tasks.amazonaws.com", tags: ["k": "v"]).arguments == [
            "iam", "create-role", "--role-name", "r", "--assume-role-policy-document",
            #"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"}}],"Version":"2012-10-17"}"#,
            "--tags", #"[{"Key":"k","Value":"v"}]"#,
        ] + Self.json)
        #expect(cli.iam.attachRolePolicy(roleName: "r", policyARN: "arn:p").arguments
            == ["iam", "attach-role-policy", "--role-name", "r", "--policy-arn", "arn:p"] + Self.json)
        #expect(cli.iam.listAttachedRolePolicies(roleName: "r").arguments == ["iam", "list-attached-role-policies", "--role-name", "r"] + Self.json)
        #expect(cli.iam.createServiceLinkedRole(awsServiceName: "ecs.amazonaws.com").arguments
            == ["iam", "create-service-linked-role", "--aws-service-name", "ecs.amazonaws.com"] + Self.json)
        #expect(cli.logs.createLogGroup(name: "/ecs/panda/app").arguments == ["logs", "create-log-group", "--log-group-name", "/ecs/panda/app"] + Self.json)
        #expect(cli.logs.createLogGroup(name: "g", tags: ["b": "2", "a": "1"]).arguments
            == ["logs", "create-log-group", "--log-group-name", "g", "--tags", #"{"a":"1","b":"2"}"#] + Self.json)
        #expect(cli.sts.getCallerIdentity().arguments == ["sts", "get-caller-identity"] + Self.json)
    }

    @Test func iamActionsFollowTheOperationNames() {
        #expect(ECSOperation.createService.iamAction == "ecs:CreateService")
        #expect(ELBv2Operation.describeTargetHealth.iamAction == "elasticloadbalancing:DescribeTargetHealth")
        #expect(ECROperation.getLoginPassword.iamActions.first == "ecr:GetAuthorizationToken")
        #expect(ECSOperation.registerTaskDefinition.iamActions.contains("iam:PassRole"))
    }
}
