import Foundation
import Hummingbird
import ServerTestSupport
import Testing
import TestSupport

/// `tsq query` prints native histograms as Prometheus writes them, from a server's answer.
@Suite("tsq prints native histograms")
struct TSQHistogramOutputTests {
    static let answer = #"{"status":"success","data":{"resultType":"vector","result":["#
        + #"{"metric":{"__name__":"h"},"histogram":[1.5,{"count":"4","sum":"5","buckets":[[1,"-1","-0.5","1"],[3,"-0.001","0.001","1"],[0,"0.5","1","2"]]}]},"#
        + #"{"metric":{"__name__":"f"},"value":[1.5,"2"]}]}}"#

    @Test("a histogram element shows count, sum and each bucket with its bounds")
    func printsHistograms() async throws {
        let port = ServerProcess.freePort()
        let router = Router()
        for method in [HTTPRequest.Method.get, .post] {
            router.on("**", method: method) { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: Self.answer)))
            }
        }
        let server = TestServer(Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port))))
        defer { server.cancel() }
        try #require(await eventually(within: underLoad) { await httpGet("http://127.0.0.1:\(port)/") != nil })
        let result = try await tsq(["query", "h or f", "--url", "http://127.0.0.1:\(port)", "--time", "1.5", "-o", "table"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("{count:4, sum:5, [-1,-0.5):1, [-0.001,0.001]:1, (0.5,1]:2}"), "\(result.stdout)")
        #expect(result.stdout.contains("f"))
    }
}
