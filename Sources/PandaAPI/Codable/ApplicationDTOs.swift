import Panda

/// `data` of `GET /api/v1/apps`.
struct ApplicationListBody: Encodable {
    let apps: [ApplicationItem]
}

/// One application, in SPEC order; every field present, `null` when its tags do not say.
struct ApplicationItem: Encodable {
    let owner: String
    let repo: String
    let region: String
    let loadBalancerDns: Nullable<String>
    let productionUrl: Nullable<String>
    let productionSlot: Nullable<String>
    let image: Nullable<String>
    let lastDeploymentId: Nullable<String>

    init(_ application: ManagedApplication) {
        owner = application.owner
        repo = application.repo
        region = application.region
        loadBalancerDns = Nullable(application.loadBalancerDNS)
        productionUrl = Nullable(application.productionURL)
        productionSlot = Nullable(application.productionSlot)
        image = Nullable(application.image)
        lastDeploymentId = Nullable(application.lastDeploymentID)
    }
}

/// `data` of `DELETE /api/v1/apps/{owner}/{repo}`; `deploymentId` is `null` for a dry run.
struct TeardownBody: Encodable {
    let deploymentId: Nullable<String>
    let kind = DeploymentKind.teardown.rawValue
    let resources: [ResourceItem]
}

struct ResourceItem: Encodable {
    let type: String
    let id: String

    init(_ resource: AppResource) {
        type = resource.type.rawValue
        id = resource.id
    }
}
