/// A failure tsq reports as a message on stderr and an exit code; `tsq --help` lists the codes.
struct TSQFailure: Error, CustomStringConvertible {
    enum Code: Int32 {
        /// The query failed: bad_data, execution, or a check found problems.
        case failed = 1
        /// The command line is wrong.
        case usage = 2
        /// The server could not be reached or did not answer in time, or `--data-dir` is no readable store.
        case unreachable = 3
    }

    let code: Code
    let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { message }
}
