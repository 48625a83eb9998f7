import Foundation
import Testing
import Tools
import PandaTestSupport
@testable import Panda

/// Names that collided before, deployed side by side; deploy, dry run and teardown for
/// real against moto with the stand-in running the containers.
@Suite(.serialized) struct TeardownStageTests {
    @Test func repositoriesWhoseNamesUsedToCollideEachServeTheirOwnProduction() async throws {
        try await BlueGreenEnvironment.with { environment in
            let repositories = [("e2e-org", "dot.app", "dot-v1"), ("e2e-org", "dot_app", "underscore-v1")]
            var urls: [String] = []
            for (owner, repo, version) in repositories {
                _ = try await environment.git.makeRepository(owner: owner, repo: repo, template: SampleApp.files(version: version))
                let service = await environment.service(owner: owner, repo: repo) { $0.deployments.stageTimeoutSeconds = 600 }
                let deployment = try await environment.deploy(service, owner: owner, repo: repo)
                #expect(deployment.status == .completed, "\(owner)/\(repo): \(deployment.snapshot().failure?.message ?? "")")
                urls.append(try #require(deployment.facts.greenURL))
            }
            #expect(urls[0] != urls[1])
            for ((_, _, version), url) in zip(repositories, urls) {
                let dns = String(url.dropFirst("http://".count).prefix { $0 != ":" })
                let page = try await environment.fetch(dns, port: 80, path: "/")
                #expect(page.body.contains(SampleApp.indexMarker(version: version)), "\(dns) serves \(page.body.prefix(200))")
            }
        }
    }

    @Test func deployTwiceThenDryRunThenTeardownLeavesNothingTagged() async throws {
        try await BlueGreenEnvironment.with { environment in
            let (owner, repo) = ("octo", "gone")
            let names = AWSNames(owner: owner, repo: repo)
            _ = try await environment.git.makeRepository(owner: owner, repo: repo, template: SampleApp.files(version: "v1"))
            var service = await environment.service(owner: owner, repo: repo) { $0.deployments.stageTimeoutSeconds = 600 }
            var last: Deployment?
            for version in ["v1", "v2"] {
                if version != "v1" {
                    _ = try await environment.git.commit(owner: owner, repo: repo, change: RepositoryChange(
                        files: SampleApp.files(version: version).files.filter { $0.key.hasPrefix("www/") }, message: version))
                    // Panda restarted with other settings: the test listener narrowed (the rule no
                    // longer configured is revoked), and retention, lifecycle and deregistration
                    // delay changed (applied to the resources the first deployment created).
                    service = await environment.service(owner: owner, repo: repo) {
                        $0.deployments.stageTimeoutSeconds = 600
                        $0.aws.testListenerCIDRs = ["10.0.0.0/8"]
                        $0.aws.logRetentionDays = 7
                        $0.aws.ecrKeepImages = 3
                        $0.aws.deregistrationDelaySeconds = 5
                    }
                }
                let deployment = try await environment.deploy(service, owner: owner, repo: repo)
                #expect(deployment.status == .completed, "\(deployment.snapshot().failure?.message ?? "")")
                last = deployment
            }
            let deployments = service.0

            // The application is listed from its tags, production and all.
            let apps = try await deployments.applications(awsConnectionID: service.2)
            let app = try #require(apps.first { $0.repo == repo })
            #expect(app.owner == owner && app.region == "us-east-1")
            #expect(app.loadBalancerDNS?.hasPrefix(names.loadBalancer) == true)
            #expect(app.productionSlot == "a")
            #expect(app.image?.contains(names.application) == true)
            #expect(app.lastDeploymentID == last?.id)

            // Tagged, bounded in cost, and the listeners open to what is configured.
            let balancer = try await environment.moto.aws("elbv2", "describe-load-balancers", ["--names", names.loadBalancer])
            let balancerARN = try #require(balancer["LoadBalancers"]?.arrayValue.first?["LoadBalancerArn"]?.stringValue)
            let balancerTags = AppResourceFinder.tags(try await environment.moto.aws("elbv2", "describe-tags", ["--resource-arns", balancerARN])["TagDescriptions"]?.arrayValue.first?["Tags"])
            #expect(balancerTags[PandaTags.managed] == "true" && balancerTags[PandaTags.app] == "octo/gone")
            #expect(balancerTags[PandaTags.version] == last?.facts.imageName)
            let logGroups = try await environment.moto.aws("logs", "describe-log-groups", ["--log-group-name-prefix", names.logGroup])
            #expect(logGroups["logGroups"]?.arrayValue.first?["retentionInDays"]?.intValue == 7)
            let lifecycle = try await environment.moto.aws("ecr", "get-lifecycle-policy", ["--repository-name", names.application])
            #expect(lifecycle["lifecyclePolicyText"]?.stringValue?.contains(#""countNumber":3"#) == true, "\(lifecycle)")
            let groupARN = try #require(try await environment.targetGroupARN(names, .a))
            let attributes = try await environment.moto.aws("elbv2", "describe-target-group-attributes", ["--target-group-arn", groupARN])
            #expect(attributes["Attributes"]?.arrayValue.contains { $0["Key"]?.stringValue == "deregistration_delay.timeout_seconds" && $0["Value"]?.stringValue == "5" } == true, "\(attributes)")
            let groups = try await environment.moto.aws("ec2", "describe-security-groups", ["--filters", "Name=group-name,Values=\(names.loadBalancerSecurityGroup)"])
            let permissions = groups["SecurityGroups"]?.arrayValue.first?["IpPermissions"]?.arrayValue ?? []
            let ranges = { (port: Int) in Set(permissions.filter { $0["FromPort"]?.intValue == port }.flatMap { $0["IpRanges"]?.arrayValue ?? [] }.compactMap { $0["CidrIp"]?.stringValue }) }
            #expect(ranges(80) == ["0.0.0.0/0"])
            #expect(ranges(8080) == ["10.0.0.0/8"])

            // A dry run lists everything and deletes nothing.
            let tagged = try await TaggedResources.of(names, moto: environment.moto)
            let preview = try await deployments.teardownPreview(awsConnectionID: service.2, owner: owner, repo: repo, deleteImages: true)
            let kinds = Set(preview.map(\.type))
            #expect(kinds == Set(AppResource.Kind.allCases), "\(preview)")
            #expect(preview.filter { $0.type == .service }.count == 2)
            #expect(preview.filter { $0.type == .taskDefinition }.count == 2)
            #expect(try await TaggedResources.of(names, moto: environment.moto) == tagged)
            #expect(try await environment.desiredCount(names, .a) == 1)

            // Someone removed the log group meanwhile: not an error.
            try await environment.moto.aws("logs", "delete-log-group", ["--log-group-name", names.logGroup])
            let started = try await deployments.startTeardown(awsConnectionID: service.2, owner: owner, repo: repo, deleteImages: true)
            #expect(started.deployment.kind == .teardown)
            #expect(Set(started.resources) == Set(preview.filter { $0.type != .logGroup }))
            let teardown = try await environment.finished(started.deployment)
            #expect(teardown.status == .completed, "\(teardown.snapshot().failure?.message ?? "")")
            #expect(messages(of: teardown).last == "Deployment completed successfully")
            #expect(Set(teardown.facts.removedResources ?? []) == Set(started.resources))

            // Nothing tagged for the application is left, nor its containers.
            #expect(try await TaggedResources.of(names, moto: environment.moto).isEmpty)
            let repositories = try await environment.moto.aws("ecr", "describe-repositories")
            #expect(!(repositories["repositories"]?.arrayValue ?? []).contains { $0["repositoryName"]?.stringValue == names.application })
            var containersLeft = try await environment.standIn.containers().values.flatMap { $0 }
            for _ in 0..<40 where !containersLeft.isEmpty {
                try await Task.sleep(for: .milliseconds(250))
                containersLeft = try await environment.standIn.containers().values.flatMap { $0 }
            }
            #expect(containersLeft.isEmpty, "the stand-in stops a deleted service's containers")
            #expect(try await deployments.applications(awsConnectionID: service.2).allSatisfy { $0.repo != repo })

            // A second teardown finds nothing and completes.
            let again = try await deployments.startTeardown(awsConnectionID: service.2, owner: owner, repo: repo, deleteImages: true)
            #expect(again.resources.isEmpty)
            #expect(try await environment.finished(again.deployment).status == .completed)
        }
    }
}

/// What moto holds tagged `panda:app` for an application, besides deleted (inactive) ECS
/// services, which AWS keeps listing for a while; plus the ECR repository, which moto's
/// tagging API does not cover.
enum TaggedResources {
    static func of(_ names: AWSNames, moto: MotoServer) async throws -> [String] {
        let filters = #"[{"Key":"panda:app","Values":["\#(names.identity)"]}]"#
        let answer = try await moto.aws("resourcegroupstaggingapi", "get-resources", ["--tag-filters", filters])
        var arns = (answer["ResourceTagMappingList"]?.arrayValue ?? []).compactMap { $0["ResourceARN"]?.stringValue }
        let services = arns.filter { $0.contains(":service/") }
        if !services.isEmpty {
            let described = try await moto.aws("ecs", "describe-services", ["--cluster", "panda-cluster", "--services"] + services)
            let inactive = (described["services"]?.arrayValue ?? []).filter { $0["status"]?.stringValue == "INACTIVE" }
            arns.removeAll { arn in inactive.contains { $0["serviceArn"]?.stringValue == arn } }
        }
        let repositories = try await moto.aws("ecr", "describe-repositories")
        for repository in repositories["repositories"]?.arrayValue ?? [] {
            guard let arn = repository["repositoryArn"]?.stringValue else { continue }
            let tags = try await moto.aws("ecr", "list-tags-for-resource", ["--resource-arn", arn])
            if (tags["tags"]?.arrayValue ?? []).contains(where: { $0["Key"]?.stringValue == "panda:app" && $0["Value"]?.stringValue == names.identity }) {
                arns.append(arn)
            }
        }
        return arns.sorted()
    }
}
