import PandaTestSupport
import Testing
@testable import Panda

@Suite struct StageMessageTests {
    static let spec = SpecStageMessages.all

    @Test func specifiedMessagesAreSpecsByteForByte() {
        #expect(StageMessage.specified.map(\.text) == Self.spec)
        #expect(StageMessage.specified.map { Array($0.text.utf8) } == Self.spec.map { Array($0.utf8) })
    }

    @Test func eachMessageNamesItsStage() {
        for message in StageMessage.specified {
            #expect(message.text.hasPrefix("[Stage \(message.stage)] "), "\(message)")
        }
    }

    @Test func healthCheckProgressFillsTheTemplate() {
        #expect(StageMessage.healthCheckProgress(3, of: 5).text == "[Stage 5] Green 서비스 HealthCheck 진행 중 - Check 3/5")
        #expect(StageMessage.rollbackStarted(stage: 4).text == "[Stage 4] 롤백 시작")
    }

    @Test func aPublishedStageMessageIsTheEventsMessage() throws {
        let event = DeploymentEvent.stage(StageMessage.registryLoggedIn.text, stage: 2, details: [:])
        #expect(event.data == #"{"type":"stage","message":"[Stage 2] ECR 로그인 완료","details":{"stage":2}}"#)
    }
}
