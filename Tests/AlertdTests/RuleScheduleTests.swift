import Testing

@testable import alertd

@Suite("Rule group schedule")
struct RuleScheduleTests {
    @Test("slots fall at the group's own offset into each interval, the same in every process")
    func slots() {
        let schedule = RuleGroupSchedule(name: "api", file: "/etc/rules/api.yml", interval: 15_000)
        #expect(schedule == RuleGroupSchedule(name: "api", file: "/etc/rules/api.yml", interval: 15_000))
        #expect((0..<15_000).contains(schedule.offset))
        for time: Int64 in [0, 1, 14_999, 15_000, 1_796_000_123_456, -7] {
            let slot = schedule.slot(atOrBefore: time)
            #expect(slot <= time && time - slot < 15_000, "time \(time) slot \(slot)")
            #expect((slot - schedule.offset) % 15_000 == 0)
        }
        // Groups spread over the interval rather than all starting on its boundary.
        let offsets = Set((0..<20).map { RuleGroupSchedule(name: "group\($0)", file: "f.yml", interval: 60_000).offset })
        #expect(offsets.count > 15)
    }

    @Test("a late evaluation skips the slots it missed and counts them")
    func missed() {
        let schedule = RuleGroupSchedule(name: "g", file: "f", interval: 1000)
        #expect(schedule.next(after: 5000, now: 5400) == (6000, 0))
        #expect(schedule.next(after: 5000, now: 6100) == (6000, 0))
        // Slots 6000 and 7000 are lost; 8000 runs at once, late, as Prometheus runs it.
        #expect(schedule.next(after: 5000, now: 8500) == (8000, 2))
    }
}
