import ArgumentParser
import Foundation

extension PandaCommand {
    /// ArgumentParser's `main()`, except that usage errors exit with 2 (scripts' "usage or request error").
    static func mainWithScriptExitCodes() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Glibc.exit(ClientExit.usageOrRequest)
            }
            exit(withError: error)
        }
    }
}
