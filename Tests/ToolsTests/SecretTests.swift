import Testing
import Tools

@Suite struct SecretTests {
    @Test func everyRenderingIsMasked() {
        let secret = Secret("hunter2")
        #expect(secret.description == "***")
        #expect(secret.debugDescription == "***")
        #expect("\(secret)" == "***")
        #expect(String(reflecting: secret) == "***")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(dumped.contains("***"))
    }

    @Test func containingValuesAreMaskedToo() {
        let command = Command(
            "docker",
            arguments: ["login", "--password-stdin"],
            environment: .clean().setting("TOKEN", secret: Secret("tok-123")),
            stdin: .secret(Secret("pw-456"))
        )
        var dumped = ""
        dump(command, to: &dumped)
        let rendered = [String(describing: command), String(reflecting: command), dumped]
        for text in rendered {
            #expect(!text.contains("tok-123"))
            #expect(!text.contains("pw-456"))
        }
    }

    @Test func revealGivesTheValue() {
        #expect(Secret("hunter2").reveal() == "hunter2")
    }
}
