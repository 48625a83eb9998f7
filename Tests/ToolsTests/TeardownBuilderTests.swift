import Testing
import Tools

/// The exact argv of the builders that tag, bound costs and tear applications down.
@Suite struct TeardownBuilderTests {
    let cli = AWSCLI(credentials: AWSCredentials(accessKeyId: Secret("AKIAUNIT"), secretAccessKey: Secret("unit")), region: "eu-west-1")
    static let json = ["--output", "json"]

    @Test func findingByTags() {
        #expect(cli.tagging.getResources(taggedWith: ["panda:managed": "true", "panda:app": "octo/app"]).arguments == [
            "resourcegroupstaggingapi", "get-resources", "--tag-filters",
            #"[{"Key":"panda:app","Values":["octo/app"]},{"Key":"panda:managed","Values":["true"]}]"#,
        ] + Self.json)
        #expect(cli.ecr.listTagsForResource(arn: "arn:repo").arguments == ["ecr", "list-tags-for-resource", "--resource-arn", "arn:repo"] + Self.json)
        #expect(cli.elbv2.describeLoadBalancers(arns: ["arn:a", "arn:b"]).arguments
            == ["elbv2", "describe-load-balancers", "--load-balancer-arns", "arn:a", "arn:b"] + Self.json)
        #expect(cli.elbv2.addTags(resourceARNs: ["arn:lb"], tags: ["panda:production-slot": "a"]).arguments == [
            "elbv2", "add-tags", "--resource-arns", "arn:lb", "--tags", #"[{"Key":"panda:production-slot","Value":"a"}]"#,
        ] + Self.json)
    }

    @Test func costBounds() {
        #expect(cli.logs.putRetentionPolicy(logGroup: "/ecs/panda/app", days: 30).arguments
            == ["logs", "put-retention-policy", "--log-group-name", "/ecs/panda/app", "--retention-in-days", "30"] + Self.json)
        #expect(LogsCommands.retentionDays(atLeast: 30) == 30)
        #expect(LogsCommands.retentionDays(atLeast: 31) == 60)
        #expect(LogsCommands.retentionDays(atLeast: 2) == 3)
        #expect(LogsCommands.retentionDays(atLeast: 5000) == 3653)
        #expect(cli.ecr.keepNewestImages(repository: "octo-app", keep: 10).arguments == [
            "ecr", "put-lifecycle-policy", "--repository-name", "octo-app", "--lifecycle-policy-text",
            #"{"rules":[{"action":{"type":"expire"},"description":"Keep the newest 10 images","rulePriority":1,"selection":{"countNumber":10,"countType":"imageCountMoreThan","tagStatus":"any"}}]}"#,
        ] + Self.json)
        #expect(cli.elbv2.setDeregistrationDelay(targetGroupARN: "arn:tg", seconds: 30).arguments == [
            "elbv2", "modify-target-group-attributes", "--target-group-arn", "arn:tg",
            "--attributes", "Key=deregistration_delay.timeout_seconds,Value=30",
        ] + Self.json)
        #expect(cli.ec2.revokeSecurityGroupIngress(groupID: "sg-1", rules: [EC2IngressRule(port: 8080, from: .cidrs(["10.0.0.0/8"]))]).arguments == [
            "ec2", "revoke-security-group-ingress", "--group-id", "sg-1", "--ip-permissions",
            #"[{"FromPort":8080,"IpProtocol":"tcp","IpRanges":[{"CidrIp":"10.0.0.0/8"}],"ToPort":8080}]"#,
        ] + Self.json)
    }

    @Test func circuitBreakerOnCreatedServices() {
        let network = ECSNetwork(subnets: ["subnet-1"], securityGroups: ["sg-1"], assignPublicIP: true)
        let command = cli.ecs.createService(cluster: "c", name: "s", taskDefinition: "arn:td", desiredCount: 0, network: network,
                                            loadBalancers: [], circuitBreaker: ECSCircuitBreaker(rollback: true))
        #expect(command.arguments.suffix(4) == ["--deployment-configuration", "deploymentCircuitBreaker={enable=true,rollback=true}"] + Self.json)
    }

    @Test func teardown() {
        #expect(cli.ecs.deleteService(cluster: "c", service: "arn:s").arguments
            == ["ecs", "delete-service", "--cluster", "c", "--service", "arn:s", "--force"] + Self.json)
        #expect(cli.ecs.deregisterTaskDefinition("arn:td:1").arguments == ["ecs", "deregister-task-definition", "--task-definition", "arn:td:1"] + Self.json)
        #expect(cli.ecs.deleteTaskDefinitions(["arn:td:1", "arn:td:2"]).arguments
            == ["ecs", "delete-task-definitions", "--task-definitions", "arn:td:1", "arn:td:2"] + Self.json)
        #expect(cli.elbv2.deleteListener(arn: "arn:l").arguments == ["elbv2", "delete-listener", "--listener-arn", "arn:l"] + Self.json)
        #expect(cli.elbv2.deleteLoadBalancer(arn: "arn:lb").arguments == ["elbv2", "delete-load-balancer", "--load-balancer-arn", "arn:lb"] + Self.json)
        #expect(cli.elbv2.deleteTargetGroup(arn: "arn:tg").arguments == ["elbv2", "delete-target-group", "--target-group-arn", "arn:tg"] + Self.json)
        #expect(cli.ec2.deleteSecurityGroup(groupID: "sg-1").arguments == ["ec2", "delete-security-group", "--group-id", "sg-1"] + Self.json)
        #expect(cli.logs.deleteLogGroup(name: "/ecs/panda/app").arguments == ["logs", "delete-log-group", "--log-group-name", "/ecs/panda/app"] + Self.json)
        #expect(cli.ecr.deleteRepository(name: "octo-app").arguments
            == ["ecr", "delete-repository", "--repository-name", "octo-app", "--force"] + Self.json)
    }
}
