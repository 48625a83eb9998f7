extension Command {
    /// The child's complete environment: a base taken from this process plus
    /// explicit variables. Nothing else leaks into the child.
    public struct Environment: Sendable, Equatable {
        /// What is taken from this process's own environment.
        public enum Base: Sendable, Equatable {
            /// Nothing: the child sees only the explicit variables.
            case clean
            /// Only these variables, when set.
            case inherit(Set<String>)
            /// Everything except variables whose name starts with one of the prefixes.
            case inheritAllExcept(prefixes: [String])
        }

        public enum Value: Sendable, Equatable {
            case plain(String)
            case secret(Secret)

            var revealed: String {
                switch self {
                case .plain(let value): value
                case .secret(let secret): secret.reveal()
                }
            }
        }

        /// Harmless variables most tools need.
        public static let safeKeys: Set<String> = [
            "PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "USER",
        ]

        public var base: Base
        public var variables: [String: Value]

        public init(base: Base, variables: [String: Value] = [:]) {
            self.base = base
            self.variables = variables
        }

        /// The default: ``safeKeys`` from this process, nothing else.
        public static var safe: Environment {
            Environment(base: .inherit(safeKeys))
        }

        /// Only the given variables.
        public static func clean(_ variables: [String: String] = [:]) -> Environment {
            Environment(base: .clean, variables: variables.mapValues { .plain($0) })
        }

        /// This process's environment minus every variable with one of the prefixes (e.g. `AWS_`).
        public static func inheritingAll(except prefixes: [String]) -> Environment {
            Environment(base: .inheritAllExcept(prefixes: prefixes))
        }

        public func setting(_ name: String, _ value: String) -> Environment {
            var copy = self
            copy.variables[name] = .plain(value)
            return copy
        }

        public func setting(_ name: String, secret: Secret) -> Environment {
            var copy = self
            copy.variables[name] = .secret(secret)
            return copy
        }

        public var secrets: [Secret] {
            variables.values.compactMap {
                if case .secret(let secret) = $0 { secret } else { nil }
            }
        }

        /// The exact variables the child gets, given the parent's environment.
        public func resolved(inheriting parent: [String: String]) -> [String: String] {
            var result: [String: String]
            switch base {
            case .clean:
                result = [:]
            case .inherit(let keys):
                result = parent.filter { keys.contains($0.key) }
            case .inheritAllExcept(let prefixes):
                result = parent.filter { entry in !prefixes.contains { entry.key.hasPrefix($0) } }
            }
            for (name, value) in variables {
                result[name] = value.revealed
            }
            return result
        }
    }
}
