import Config
import Logging
import MetricsModel
import Testing
import TestSupport

@testable import Scraper

/// The scrape loop, pool and manager without HTTP or a store: a fake fetcher answers scrapes and a
/// recording store keeps what was committed.
@Suite("Scrape loop, pool and manager")
struct ScrapeLoopTests {
    static let logger = Logger(label: "test")

    static func target(_ address: String, config: ScrapeConfig) throws -> Target {
        let group = TargetGroup(source: "test", targets: [["__address__": address]])
        return try #require(Target.targets([group], config: config, global: GlobalConfig()).active.first)
    }

    static func loop(_ target: Target, _ config: ScrapeConfig, _ store: RecordingStore, _ fetcher: FakeFetcher,
                     _ status: TargetStatusBoard = TargetStatusBoard()) -> ScrapeLoop<RecordingStore> {
        ScrapeLoop(target: target, config: config, store: store, fetcher: fetcher, status: status, logger: logger,
                   endOfRun: EndOfRunChoice(), staleness: StalenessScheduler())
    }

    @Test("a scrape commits the samples and the report series; a failed one writes up 0 and marks the scraped series stale")
    func scrapeOnce() async throws {
        let config = try fastScrapeConfig("app")
        let target = try Self.target("a:1", config: config)
        let store = RecordingStore()
        let fetcher = FakeFetcher(["a:1": .body("requests_total 5\nqueue_depth 2\n")])
        let status = TargetStatusBoard()
        status.update(pool: "app", active: [target], dropped: [])
        let loop = Self.loop(target, config, store, fetcher, status)
        var ingester = ScrapeIngester(target: target, config: config)
        await loop.scrapeOnce(&ingester, timestamp: 1_000)
        #expect(store.samples("requests_total", ["job": "app", "instance": "a:1"]) == [Sample(timestamp: 1_000, value: 5)])
        #expect(store.samples("up").map(\.value) == [1])
        #expect(store.samples("scrape_samples_scraped").map(\.value) == [2])
        #expect(status.snapshot().active.first?.health == "up")

        fetcher.set("a:1", .failure("connection refused"))
        await loop.scrapeOnce(&ingester, timestamp: 2_000)
        #expect(store.samples("up").map(\.value) == [1, 0])
        let ended = store.samples("requests_total")
        #expect(ended.count == 2 && ended[1].timestamp == 2_000 && StaleMarker.isStale(ended[1].value))
        #expect(status.snapshot().active.first?.lastError == "connection refused")
        #expect(status.snapshot().active.first?.health == "down")
    }

    @Test("a body that does not parse commits none of its samples: up 0, earlier series marked stale")
    func malformedBody() async throws {
        let config = try fastScrapeConfig("app")
        let target = try Self.target("a:1", config: config)
        let store = RecordingStore()
        let fetcher = FakeFetcher(["a:1": .body("good 1\n")])
        let loop = Self.loop(target, config, store, fetcher)
        var ingester = ScrapeIngester(target: target, config: config)
        await loop.scrapeOnce(&ingester, timestamp: 1_000)
        fetcher.set("a:1", .body("fine 1\nbroken{ 2\n"))
        await loop.scrapeOnce(&ingester, timestamp: 2_000)
        #expect(store.samples("fine").isEmpty)
        #expect(store.samples("up").map(\.value) == [1, 0])
        #expect(store.samples("good").last.map { StaleMarker.isStale($0.value) } == true)
    }

    @Test("a pool runs one loop per target; a target that leaves is marked stale at once, the others keep scraping")
    func poolFollowsTargets() async throws {
        let config = try fastScrapeConfig("app")
        let store = RecordingStore()
        let fetcher = FakeFetcher(["a:1": .body("m 1\n"), "b:1": .body("m 2\n")])
        let pool = ScrapePool(config: config, global: GlobalConfig(), store: store, client: .shared, fetcher: fetcher,
                              status: TargetStatusBoard(), logger: Self.logger, staleness: StalenessScheduler(), onChange: {})
        pool.update(provider: "test", groups: [TargetGroup(source: "g", targets: [["__address__": "a:1"], ["__address__": "b:1"]])])
        pool.sync()
        #expect(pool.loopCount == 2)
        #expect(await eventually(within: underLoad) { fetcher.calls("a:1") >= 2 && fetcher.calls("b:1") >= 2 })

        pool.update(provider: "test", groups: [TargetGroup(source: "g", targets: [["__address__": "a:1"]])])
        pool.sync()
        #expect(pool.loopCount == 1)
        #expect(await eventually(within: underLoad) { store.samples("up", ["instance": "b:1"]).last.map { StaleMarker.isStale($0.value) } == true })
        let before = fetcher.calls("a:1")
        #expect(await eventually(within: underLoad) { fetcher.calls("a:1") > before })
        await pool.stop(.leaveSeries)
        #expect(pool.loopCount == 0)
        #expect(store.samples("up", ["instance": "a:1"]).allSatisfy { !StaleMarker.isStale($0.value) })
    }

    @Test("the manager keeps an unchanged job's loops across a reload, marks a removed job stale, and writes no markers at shutdown")
    func managerReload() async throws {
        let store = RecordingStore()
        let fetcher = FakeFetcher(["a:1": .body("m 1\n"), "b:1": .body("m 2\n")])
        var config = PrometheusConfig()
        config.scrapeConfigs = [try fastScrapeConfig("keep", targets: ["a:1"]), try fastScrapeConfig("drop", targets: ["b:1"])]
        let manager = ScrapeManager(config: config, store: store, logger: Self.logger, updateInterval: .milliseconds(50), fetcher: fetcher)
        let running = Task { try await manager.run() }
        #expect(await eventually(within: underLoad) { fetcher.calls("a:1") >= 2 && fetcher.calls("b:1") >= 2 })

        var reloaded = config
        reloaded.scrapeConfigs = [config.scrapeConfigs[0]]
        await manager.apply(reloaded)
        #expect(store.samples("up", ["job": "drop"]).last.map { StaleMarker.isStale($0.value) } == true)
        let before = fetcher.calls("a:1")
        #expect(await eventually(within: underLoad) { fetcher.calls("a:1") > before + 1 })
        // The kept job's loop never stopped: none of its series got a marker.
        #expect(store.samples("up", ["job": "keep"]).allSatisfy { !StaleMarker.isStale($0.value) })

        running.cancel()
        _ = await running.result
        #expect(store.samples("up", ["job": "keep"]).allSatisfy { !StaleMarker.isStale($0.value) })
        #expect(store.samples("m", ["job": "keep"]).allSatisfy { !StaleMarker.isStale($0.value) })
    }
}
