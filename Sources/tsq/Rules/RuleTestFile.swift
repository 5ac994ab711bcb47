import MetricsModel

/// promtool's rule unit-test file (`promtool test rules`).
struct RuleTestFile: Decodable {
    var ruleFiles: [String] = []
    var evaluationInterval: String?
    var groupEvalOrder: [String] = []
    var fuzzyCompare = false
    var tests: [TestGroup] = []

    enum CodingKeys: String, CodingKey {
        case ruleFiles = "rule_files"
        case evaluationInterval = "evaluation_interval"
        case groupEvalOrder = "group_eval_order"
        case fuzzyCompare = "fuzzy_compare"
        case tests
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ruleFiles = try container.decodeIfPresent([String].self, forKey: .ruleFiles) ?? []
        evaluationInterval = try container.decodeIfPresent(String.self, forKey: .evaluationInterval)
        groupEvalOrder = try container.decodeIfPresent([String].self, forKey: .groupEvalOrder) ?? []
        fuzzyCompare = try container.decodeIfPresent(Bool.self, forKey: .fuzzyCompare) ?? false
        tests = try container.decodeIfPresent([TestGroup].self, forKey: .tests) ?? []
    }

    struct TestGroup: Decodable {
        var name: String?
        var interval: String?
        var inputSeries: [InputSeries] = []
        var externalLabels: [String: String] = [:]
        var externalURL: String?
        var alertRuleTests: [AlertTest] = []
        var promqlExprTests: [ExprTest] = []

        enum CodingKeys: String, CodingKey {
            case name, interval
            case inputSeries = "input_series"
            case externalLabels = "external_labels"
            case externalURL = "external_url"
            case alertRuleTests = "alert_rule_test"
            case promqlExprTests = "promql_expr_test"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            interval = try container.decodeIfPresent(String.self, forKey: .interval)
            inputSeries = try container.decodeIfPresent([InputSeries].self, forKey: .inputSeries) ?? []
            externalLabels = try container.decodeIfPresent([String: String].self, forKey: .externalLabels) ?? [:]
            externalURL = try container.decodeIfPresent(String.self, forKey: .externalURL)
            alertRuleTests = try container.decodeIfPresent([AlertTest].self, forKey: .alertRuleTests) ?? []
            promqlExprTests = try container.decodeIfPresent([ExprTest].self, forKey: .promqlExprTests) ?? []
        }
    }

    struct InputSeries: Decodable {
        var series: String
        var values: String
    }

    struct AlertTest: Decodable {
        var evalTime: String
        var alertname: String
        var expAlerts: [ExpectedAlert]

        enum CodingKeys: String, CodingKey {
            case evalTime = "eval_time"
            case alertname
            case expAlerts = "exp_alerts"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            evalTime = try container.decodeIfPresent(String.self, forKey: .evalTime) ?? "0"
            alertname = try container.decode(String.self, forKey: .alertname)
            expAlerts = try container.decodeIfPresent([ExpectedAlert].self, forKey: .expAlerts) ?? []
        }
    }

    struct ExpectedAlert: Decodable {
        var expLabels: [String: String] = [:]
        var expAnnotations: [String: String] = [:]

        enum CodingKeys: String, CodingKey {
            case expLabels = "exp_labels"
            case expAnnotations = "exp_annotations"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            expLabels = try container.decodeIfPresent([String: String].self, forKey: .expLabels) ?? [:]
            expAnnotations = try container.decodeIfPresent([String: String].self, forKey: .expAnnotations) ?? [:]
        }
    }

    struct ExprTest: Decodable {
        var expr: String
        var evalTime: String
        var expSamples: [ExpectedSample]

        enum CodingKeys: String, CodingKey {
            case expr
            case evalTime = "eval_time"
            case expSamples = "exp_samples"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            expr = try container.decode(String.self, forKey: .expr)
            evalTime = try container.decodeIfPresent(String.self, forKey: .evalTime) ?? "0"
            expSamples = try container.decodeIfPresent([ExpectedSample].self, forKey: .expSamples) ?? []
        }
    }

    struct ExpectedSample: Decodable {
        var labels: String = ""
        var value: Double = 0
        var histogram: String?

        enum CodingKeys: String, CodingKey { case labels, value, histogram }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            labels = try container.decodeIfPresent(String.self, forKey: .labels) ?? ""
            value = try container.decodeIfPresent(Double.self, forKey: .value) ?? 0
            histogram = try container.decodeIfPresent(String.self, forKey: .histogram)
        }
    }
}
