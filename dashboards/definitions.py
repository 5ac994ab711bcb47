"""The dashboards: every panel's queries, unit, thresholds and size. generate.py turns these into
Grafana JSON. Metric names are the contract of docs/metrics.md."""

from dataclasses import dataclass, field


@dataclass
class Query:
    expr: str
    legend: str = ""


@dataclass
class Panel:
    kind: str  # timeseries, stat, gauge, bargauge or table
    title: str
    description: str
    queries: list
    unit: str = "short"
    thresholds: list = None  # [(None, "green"), (0.5, "orange"), (1, "red")]
    width: int = 12
    height: int = 8
    stacked: bool = False
    instant: bool = False
    decimals: int = None
    min: float = None
    max: float = None


@dataclass
class Row:
    title: str
    panels: list


@dataclass
class Variable:
    name: str
    label: str
    kind: str = "query"  # query, datasource or custom
    query: str = ""
    values: list = field(default_factory=list)


@dataclass
class Dashboard:
    uid: str
    title: str
    description: str
    variables: list
    rows: list
    tags: list = field(default_factory=lambda: ["toolboxai"])


def q(expr, legend=""):
    return Query(expr, legend)


def stat(title, description, expr, unit="short", thresholds=None, width=6, decimals=None):
    return Panel("stat", title, description, [q(expr)], unit=unit, thresholds=thresholds, width=width, height=5, decimals=decimals)


def series(title, description, queries, unit="short", width=12, thresholds=None, stacked=False, min=None):
    return Panel("timeseries", title, description, queries, unit=unit, width=width, thresholds=thresholds, stacked=stacked, min=min)


RI = "$__rate_interval"
# The pods the dashboards look at, as Grafana substitutes the variables (All is `.*`).
F = 'namespace=~"$namespace", job=~"$job", instance=~"$instance"'
GREEN = (None, "green")

DATASOURCE = Variable("datasource", "Data source", kind="datasource")
NAMESPACE = Variable("namespace", "Namespace", query="label_values(up, namespace)")
JOB = Variable("job", "Job", query='label_values(up{namespace=~"$namespace"}, job)')
INSTANCE = Variable("instance", "Instance", query='label_values(up{namespace=~"$namespace", job=~"$job"}, instance)')
HANDLER = Variable("handler", "Handler", query='label_values(http_requests_total{namespace=~"$namespace", job=~"$job"}, handler)')
POD_VARIABLES = [DATASOURCE, NAMESPACE, JOB, INSTANCE]


def ratio(numerator, denominator):
    return f"({numerator}) / ({denominator})"


HTTP = f'{F}, handler=~"$handler"'
REQUEST_RATE = f"sum(rate(http_requests_total{{{HTTP}}}[{RI}]))"
ERROR_RATIO = ratio(f'sum(rate(http_requests_total{{{HTTP}, status=~"5.."}}[{RI}]))', REQUEST_RATE)
API_P99 = f"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_highr_seconds_bucket{{{F}}}[{RI}])))"

api = Dashboard(
    "toolboxai-api", "ToolboxAI · API performance",
    "Requests, latency and response sizes of the API pods (:8008), from prometheus-fastapi-instrumentator's default metrics.",
    POD_VARIABLES + [HANDLER],
    [
        Row("Overview", [
            stat("Request rate", "Requests per second answered by the selected API pods and handlers.", REQUEST_RATE, "reqps"),
            stat("p99 latency", "99th percentile of request duration over all handlers (the high-resolution histogram, which has no handler label).",
                 API_P99, "s", [GREEN, (0.5, "orange"), (1, "red")]),
            stat("5xx ratio", "Share of requests answered with a 5xx status.", ERROR_RATIO, "percentunit", [GREEN, (0.01, "orange"), (0.05, "red")], decimals=2),
            stat("API targets up", "Targets serving the API's metrics whose last scrape succeeded.",
                 f"count(up{{{F}}} == 1 and on (instance) http_requests_total{{{F}}})", "short", [(None, "red"), (1, "green")]),
        ]),
        Row("Traffic", [
            series("Requests by handler", "Requests per second, by route template.",
                   [q(f"sum by (handler) (rate(http_requests_total{{{HTTP}}}[{RI}]))", "{{handler}}")], "reqps", stacked=True),
            series("Requests by status", "Requests per second, by status class (the instrumentator groups codes as 2xx, 4xx, 5xx).",
                   [q(f"sum by (status) (rate(http_requests_total{{{HTTP}}}[{RI}]))", "{{status}}")], "reqps", stacked=True),
        ]),
        Row("Latency", [
            series("Latency quantiles", "p50, p90 and p99 of request duration over all handlers.",
                   [q(f"histogram_quantile({p}, sum by (le) (rate(http_request_duration_highr_seconds_bucket{{{F}}}[{RI}])))", f"p{int(p * 100)}")
                    for p in (0.5, 0.9, 0.99)], "s", thresholds=[GREEN, (1, "red")]),
            series("p99 latency by handler", "99th percentile by handler, from the per-handler histogram (buckets 0.1, 0.5 and 1 s: coarse by design).",
                   [q(f"histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket{{{HTTP}}}[{RI}])))", "{{handler}}")], "s"),
            series("Mean response size", "Average response body size by handler.",
                   [q(ratio(f"sum by (handler) (rate(http_response_size_bytes_sum{{{HTTP}}}[{RI}]))",
                            f"sum by (handler) (rate(http_response_size_bytes_count{{{HTTP}}}[{RI}]))"), "{{handler}}")], "bytes"),
            Panel("table", "Busiest handlers", "Handlers and methods ranked by request rate now.",
                  [q(f"topk(10, sum by (handler, method) (rate(http_requests_total{{{HTTP}}}[{RI}])))")], unit="reqps"),
        ]),
    ],
)

DB_P99 = f"histogram_quantile(0.99, sum by (le, operation) (rate(db_query_duration_seconds_bucket{{{F}}}[{RI}])))"
PG = F + ', datname!~"|template.*"'
BLOCKS_HIT = f"sum(rate(pg_stat_database_blks_hit{{{PG}}}[{RI}]))"
database = Dashboard(
    "toolboxai-database", "ToolboxAI · Database query performance",
    "The API's PostgreSQL query timings by operation, and the server's side from prometheus-postgres-exporter.",
    POD_VARIABLES,
    [
        Row("Overview", [
            stat("Slowest operation p99", "The highest per-operation 99th percentile of query time measured by the API.",
                 f"max({DB_P99})", "s", [GREEN, (0.25, "orange"), (0.5, "red")]),
            stat("Transactions", "Commits plus rollbacks per second, all databases.",
                 f"sum(rate(pg_stat_database_xact_commit{{{PG}}}[{RI}])) + sum(rate(pg_stat_database_xact_rollback{{{PG}}}[{RI}]))", "ops"),
            stat("Buffer cache hit ratio", "Share of block reads served from PostgreSQL's shared buffers.",
                 ratio(BLOCKS_HIT, f"{BLOCKS_HIT} + sum(rate(pg_stat_database_blks_read{{{PG}}}[{RI}]))"), "percentunit",
                 [(None, "red"), (0.9, "orange"), (0.99, "green")], decimals=2),
            stat("PostgreSQL up", "Whether the exporter reached the server (pg_up).", f"min(pg_up{{{F}}})", "short", [(None, "red"), (1, "green")]),
        ]),
        Row("Queries from the API", [
            series("Query p99 by operation", "99th percentile of PostgreSQL query time by operation, as the API measures it.",
                   [q(DB_P99, "{{operation}}")], "s", thresholds=[GREEN, (0.5, "red")]),
            series("Queries by operation", "Queries per second by operation.",
                   [q(f"sum by (operation) (rate(db_query_duration_seconds_count{{{F}}}[{RI}]))", "{{operation}}")], "ops", stacked=True),
            Panel("gauge", "Pool in use", "Share of the API's PostgreSQL pool connections busy with a query.",
                  [q(ratio(f'sum(db_pool_connections{{{F}, state="in_use"}})', f"sum(db_pool_connections{{{F}}})"))], unit="percentunit",
                  thresholds=[GREEN, (0.75, "orange"), (0.9, "red")], width=6, min=0, max=1),
            Panel("table", "Mean query time by operation", "Average seconds per query by operation now.",
                  [q(ratio(f"sum by (operation) (rate(db_query_duration_seconds_sum{{{F}}}[{RI}]))",
                           f"sum by (operation) (rate(db_query_duration_seconds_count{{{F}}}[{RI}]))"))], unit="s", width=6),
        ]),
        Row("Server", [
            series("Commits and rollbacks", "Transactions per second by database.",
                   [q(f"sum by (datname) (rate(pg_stat_database_xact_commit{{{PG}}}[{RI}]))", "commit {{datname}}"),
                    q(f"sum by (datname) (rate(pg_stat_database_xact_rollback{{{PG}}}[{RI}]))", "rollback {{datname}}")], "ops"),
            series("Connections by state", "Server connections by database and state (pg_stat_activity).",
                   [q(f'sum by (datname, state) (pg_stat_activity_count{{{PG}}}) > 0', "{{datname}} {{state}}")], "short", stacked=True),
            series("Locks by mode", "Locks held, by mode.", [q(f"sum by (mode) (pg_locks_count{{{PG}}})", "{{mode}}")], "short", width=8),
            series("Block reads", "Blocks per second found in shared buffers (hit) and read from disk or the OS cache (read).",
                   [q(f"{BLOCKS_HIT}", "hit"), q(f"sum(rate(pg_stat_database_blks_read{{{PG}}}[{RI}]))", "read")], "short", width=8),
            Panel("bargauge", "Deadlocks", "Deadlocks detected in the time range, by database.",
                  [q(f"sum by (datname) (increase(pg_stat_database_deadlocks{{{PG}}}[$__range]))", "{{datname}}")], unit="short",
                  thresholds=[GREEN, (1, "red")], width=8),
        ]),
    ],
)

APP_HIT_RATIO = ratio(f'sum(rate(cache_requests_total{{{F}, result="hit"}}[{RI}]))', f"sum(rate(cache_requests_total{{{F}}}[{RI}]))")
REDIS_HITS = f"sum(rate(redis_keyspace_hits_total{{{F}}}[{RI}]))"
cache = Dashboard(
    "toolboxai-cache", "ToolboxAI · Cache hit rates",
    "The API's cache lookups by cache and result, and Redis itself from prometheus-redis-exporter.",
    POD_VARIABLES,
    [
        Row("Overview", [
            stat("Application hit ratio", "Share of the API's cache lookups that found the key.", APP_HIT_RATIO, "percentunit",
                 [(None, "red"), (0.6, "orange"), (0.8, "green")], decimals=1),
            stat("Redis keyspace hit ratio", "Share of Redis key lookups that found the key (all clients).",
                 ratio(REDIS_HITS, f"{REDIS_HITS} + sum(rate(redis_keyspace_misses_total{{{F}}}[{RI}]))"), "percentunit",
                 [(None, "red"), (0.6, "orange"), (0.8, "green")], decimals=1),
            stat("Redis memory", "Memory Redis uses for data and overhead.", f"sum(redis_memory_used_bytes{{{F}}})", "bytes"),
            stat("Redis clients", "Connected clients.", f"sum(redis_connected_clients{{{F}}})", "short"),
        ]),
        Row("Application cache", [
            series("Hit ratio by cache", "Share of lookups that hit, per application cache.",
                   [q(ratio(f'sum by (cache) (rate(cache_requests_total{{{F}, result="hit"}}[{RI}]))',
                            f"sum by (cache) (rate(cache_requests_total{{{F}}}[{RI}]))"), "{{cache}}")], "percentunit",
                   thresholds=[(None, "red"), (0.8, "green")], min=0),
            series("Lookups by cache and result", "Lookups per second.",
                   [q(f"sum by (cache, result) (rate(cache_requests_total{{{F}}}[{RI}]))", "{{cache}} {{result}}")], "ops", stacked=True),
        ]),
        Row("Redis", [
            series("Commands", "Commands per second, the ten busiest.",
                   [q(f"topk(10, sum by (cmd) (rate(redis_commands_total{{{F}}}[{RI}])))", "{{cmd}}")], "ops", width=8),
            series("Keys", "Keys by database.", [q(f"sum by (db) (redis_db_keys{{{F}}})", "{{db}}")], "short", width=8),
            series("Hits and misses", "Keyspace hits and misses per second.",
                   [q(REDIS_HITS, "hits"), q(f"sum(rate(redis_keyspace_misses_total{{{F}}}[{RI}]))", "misses")], "ops", width=8),
        ]),
    ],
)

websocket = Dashboard(
    "toolboxai-websocket", "ToolboxAI · WebSocket connections",
    "Connections, closes by reason, messages and send latency of the WebSocket servers (:9876).",
    POD_VARIABLES,
    [
        Row("Overview", [
            stat("Active connections", "Open WebSocket connections now.", f"sum(websocket_connections_active{{{F}}})", "short"),
            stat("Connects per second", "New connections accepted per second.", f"sum(rate(websocket_connections_opened_total{{{F}}}[{RI}]))", "cps"),
            stat("Abnormal closes per second", "Connections dropped without a close frame or closed with an error.",
                 f'sum(rate(websocket_connections_closed_total{{{F}, reason=~"abnormal|error"}}[{RI}]))', "cps", [GREEN, (1, "orange"), (5, "red")]),
            stat("Messages per second", "Messages in both directions.", f"sum(rate(websocket_messages_total{{{F}}}[{RI}]))", "short"),
        ]),
        Row("Connections", [
            series("Active by channel", "Open connections by channel.",
                   [q(f"sum by (channel) (websocket_connections_active{{{F}}})", "{{channel}}")], "short", stacked=True),
            series("Opened and closed", "Connections opened per second, and closed by reason.",
                   [q(f"sum(rate(websocket_connections_opened_total{{{F}}}[{RI}]))", "opened"),
                    q(f"sum by (reason) (rate(websocket_connections_closed_total{{{F}}}[{RI}]))", "closed: {{reason}}")], "cps"),
        ]),
        Row("Messages", [
            series("Messages by direction", "Messages per second from clients (in) and to clients (out).",
                   [q(f"sum by (direction) (rate(websocket_messages_total{{{F}}}[{RI}]))", "{{direction}}")], "short", width=8),
            series("Send latency p99", "99th percentile of the time to hand a message to a connection, by channel.",
                   [q(f"histogram_quantile(0.99, sum by (le, channel) (rate(websocket_send_duration_seconds_bucket{{{F}}}[{RI}])))", "{{channel}}")],
                   "s", width=8),
            Panel("bargauge", "Closes by reason", "Connections closed in the time range, by reason.",
                  [q(f"sum by (reason) (increase(websocket_connections_closed_total{{{F}}}[$__range]))", "{{reason}}")], unit="short", width=8),
        ]),
    ],
)

AGENT_P99 = f"histogram_quantile(0.99, sum by (le, task_type) (rate(agent_processing_seconds_bucket{{{F}}}[{RI}])))"
agents = Dashboard(
    "toolboxai-agents", "ToolboxAI · Agent processing times",
    "Task durations by agent and task type, outcomes and the task queue of the AI agent workers.",
    POD_VARIABLES,
    [
        Row("Overview", [
            stat("Tasks per second", "Tasks finished per second.", f"sum(rate(agent_tasks_total{{{F}}}[{RI}]))", "short"),
            stat("Failure ratio", "Share of tasks that ended in an error.",
                 ratio(f'sum(rate(agent_tasks_total{{{F}, outcome="error"}}[{RI}]))', f"sum(rate(agent_tasks_total{{{F}}}[{RI}]))"),
                 "percentunit", [GREEN, (0.05, "orange"), (0.1, "red")], decimals=1),
            stat("Queue depth", "Tasks waiting for a worker.", f"sum(agent_queue_depth{{{F}}})", "short", [GREEN, (50, "orange"), (200, "red")]),
            stat("Busy workers", "Worker slots processing a task now.", f"sum(agent_workers_busy{{{F}}})", "short"),
        ]),
        Row("Durations", [
            series("p99 by task type", "99th percentile of processing time by task type.", [q(AGENT_P99, "{{task_type}}")], "s"),
            series("p50 by task type", "Median processing time by task type.",
                   [q(f"histogram_quantile(0.5, sum by (le, task_type) (rate(agent_processing_seconds_bucket{{{F}}}[{RI}])))", "{{task_type}}")], "s"),
            series("p99 by agent", "99th percentile of processing time by agent.",
                   [q(f"histogram_quantile(0.99, sum by (le, agent) (rate(agent_processing_seconds_bucket{{{F}}}[{RI}])))", "{{agent}}")], "s"),
            Panel("table", "Mean time by agent and task type", "Average seconds per task now.",
                  [q(ratio(f"sum by (agent, task_type) (rate(agent_processing_seconds_sum{{{F}}}[{RI}]))",
                           f"sum by (agent, task_type) (rate(agent_processing_seconds_count{{{F}}}[{RI}]))"))], unit="s"),
        ]),
        Row("Throughput", [
            series("Tasks by outcome", "Tasks finished per second by outcome.",
                   [q(f"sum by (outcome) (rate(agent_tasks_total{{{F}}}[{RI}]))", "{{outcome}}")], "short", stacked=True),
            series("Queue", "Tasks waiting, and tasks the API queued per second.",
                   [q(f"sum(agent_queue_depth{{{F}}})", "waiting"), q(f"sum(rate(agent_tasks_submitted_total{{{F}}}[{RI}]))", "submitted per second")],
                   "short"),
        ]),
    ],
)

errors = Dashboard(
    "toolboxai-errors", "ToolboxAI · Error rates and types",
    "5xx responses by handler, unhandled exceptions by class, client errors and failed agent tasks.",
    POD_VARIABLES + [HANDLER],
    [
        Row("Overview", [
            stat("5xx per second", "Server errors per second.", f'sum(rate(http_requests_total{{{HTTP}, status=~"5.."}}[{RI}]))', "reqps",
                 [GREEN, (0.1, "orange"), (1, "red")], width=8),
            stat("5xx ratio", "Share of requests answered with a 5xx status.", ERROR_RATIO, "percentunit", [GREEN, (0.01, "orange"), (0.05, "red")],
                 width=8, decimals=2),
            stat("Exceptions per second", "Unhandled exceptions per second, API and agents.", f"sum(rate(app_exceptions_total{{{F}}}[{RI}]))",
                 "short", [GREEN, (0.1, "orange"), (1, "red")], width=8),
        ]),
        Row("Server errors", [
            series("5xx by handler", "Server errors per second by route template.",
                   [q(f'sum by (handler) (rate(http_requests_total{{{HTTP}, status=~"5.."}}[{RI}]))', "{{handler}}")], "reqps", stacked=True),
            series("Exceptions by class", "Unhandled exceptions per second by exception class.",
                   [q(f"sum by (exception) (rate(app_exceptions_total{{{F}}}[{RI}]))", "{{exception}}")], "short", stacked=True),
            series("Error ratio by handler", "Share of each handler's requests answered with a 5xx status.",
                   [q(ratio(f'sum by (handler) (rate(http_requests_total{{{HTTP}, status=~"5.."}}[{RI}]))',
                            f"sum by (handler) (rate(http_requests_total{{{HTTP}}}[{RI}]))"), "{{handler}}")], "percentunit", min=0),
            Panel("table", "Top exceptions", "Exceptions in the time range, by class and handler.",
                  [q(f"topk(10, sum by (exception, handler) (increase(app_exceptions_total{{{F}}}[$__range])))")], unit="short"),
        ]),
        Row("Client errors and agents", [
            series("4xx by handler", "Client errors per second by route template (unknown ids, bad parameters).",
                   [q(f'sum by (handler) (rate(http_requests_total{{{HTTP}, status=~"4.."}}[{RI}]))', "{{handler}}")], "reqps"),
            series("Agent task failure ratio", "Share of agent tasks that failed, by task type.",
                   [q(ratio(f'sum by (task_type) (rate(agent_tasks_total{{{F}, outcome="error"}}[{RI}]))',
                            f"sum by (task_type) (rate(agent_tasks_total{{{F}}}[{RI}]))"), "{{task_type}}")], "percentunit", min=0),
        ]),
    ],
)

M = 'job=~"$job", instance=~"$instance"'
METRICSD_VARIABLES = [DATASOURCE, Variable("job", "Job", query="label_values(metricsd_build_info, job)"),
                      Variable("instance", "Instance", query='label_values(metricsd_build_info{job=~"$job"}, instance)')]
agent = Dashboard(
    "toolboxmetrics-agent", "ToolboxMetrics agent",
    "metricsd's self-monitoring: scrapes, the store (head, WAL, compaction), queries, remote write, discovery and rule evaluation.",
    METRICSD_VARIABLES,
    [
        Row("Overview", [
            stat("Head series", "Series in the in-memory head.", f"sum(prometheus_tsdb_head_series{{{M}}})", "short"),
            stat("Samples appended", "Samples stored per second.", f"sum(rate(prometheus_tsdb_head_samples_appended_total{{{M}}}[{RI}]))", "short"),
            stat("Targets up", "Share of scrape targets whose last scrape succeeded.", "avg(up)", "percentunit",
                 [(None, "red"), (0.9, "orange"), (1, "green")]),
            # process_* comes from every instrumented process; metricsd_build_info picks metricsd's.
            stat("Memory", "Resident memory of metricsd.",
                 f"sum(process_resident_memory_bytes{{{M}}} and on (job, instance) metricsd_build_info)", "bytes"),
        ]),
        Row("Scraping", [
            series("Scrape duration by target", "How long each target's last scrape took (scrape_duration_seconds).",
                   [q("scrape_duration_seconds", "{{job}} {{instance}}")], "s"),
            series("Samples by target", "Samples each target's last scrape produced, after metric relabeling.",
                   [q("scrape_samples_post_metric_relabeling", "{{job}} {{instance}}")], "short"),
            series("Scrape duration p99 by pool", "99th percentile of scrape-and-store time by scrape pool.",
                   [q(f"histogram_quantile(0.99, sum by (le, scrape_job) (rate(metricsd_target_scrape_pool_scrape_duration_seconds_bucket{{{M}}}[{RI}])))",
                      "{{scrape_job}}")], "s", width=8),
            series("Samples per second by pool", "Samples scraped per second by scrape pool.",
                   [q(f"sum by (scrape_job) (rate(metricsd_target_scrape_pool_samples_scraped_total{{{M}}}[{RI}]))", "{{scrape_job}}")],
                   "short", width=8, stacked=True),
            series("Scrape interval p99", "99th percentile of the actual time between scrapes, by configured interval.",
                   [q(f'max by (interval) (prometheus_target_interval_length_seconds{{{M}, quantile="0.99"}})', "{{interval}}")], "s", width=8),
        ]),
        Row("Storage", [
            series("Head series and chunks", "Series and chunks in the in-memory head.",
                   [q(f"sum(prometheus_tsdb_head_series{{{M}}})", "series"), q(f"sum(prometheus_tsdb_head_chunks{{{M}}})", "chunks")], "short", width=8),
            series("WAL fsync and write p99", "99th percentile of WAL fsync (recent window) and of writing one commit's records.",
                   [q(f'max(prometheus_tsdb_wal_fsync_duration_seconds{{{M}, quantile="0.99"}})', "fsync"),
                    q(f"histogram_quantile(0.99, sum by (le) (rate(metricsd_tsdb_wal_write_duration_seconds_bucket{{{M}}}[{RI}])))", "write")],
                   "s", width=8),
            series("Compactions", "Compactions per hour, failures, and blocks loaded.",
                   [q(f"sum(increase(prometheus_tsdb_compactions_total{{{M}}}[1h]))", "compactions per hour"),
                    q(f"sum(increase(prometheus_tsdb_compactions_failed_total{{{M}}}[1h]))", "failed per hour"),
                    q(f"sum(prometheus_tsdb_blocks_loaded{{{M}}})", "blocks")], "short", width=8),
            series("Storage size", "Bytes of blocks and WAL on disk.",
                   [q(f"sum(prometheus_tsdb_storage_blocks_bytes{{{M}}})", "blocks"), q(f"sum(prometheus_tsdb_wal_storage_size_bytes{{{M}}})", "WAL")],
                   "bytes", width=12),
            series("Refused samples", "Samples the store refused, by reason.",
                   [q(f"sum by (reason) (rate(metricsd_tsdb_samples_refused_total{{{M}}}[{RI}]))", "{{reason}}")], "short", width=12),
        ]),
        Row("Queries and API", [
            series("Query time p99 by phase", "99th percentile of queue wait, preparation and evaluation (recent window).",
                   [q(f'max by (slice) (prometheus_engine_query_duration_seconds{{{M}, quantile="0.99"}})', "{{slice}}")], "s"),
            series("HTTP p99 by handler", "99th percentile of request duration by API handler.",
                   [q(f"histogram_quantile(0.99, sum by (le, handler) (rate(prometheus_http_request_duration_seconds_bucket{{{M}}}[{RI}])))",
                      "{{handler}}")], "s"),
        ]),
        Row("Remote write", [
            series("Samples sent by destination", "Samples per second each remote_write destination acknowledged.",
                   [q(f"sum by (remote_name) (rate(prometheus_remote_storage_samples_total{{{M}}}[{RI}]))", "{{remote_name}}")],
                   "short", width=8),
            series("Failed, retried and dropped", "Samples per second refused with a 4xx (failed), sent again after a 5xx, 429 or no answer "
                   "(retried), and dropped (relabelled away, too old, past the WAL hold limits).",
                   [q(f"sum by (remote_name) (rate(prometheus_remote_storage_samples_failed_total{{{M}}}[{RI}]))", "{{remote_name}} failed"),
                    q(f"sum by (remote_name) (rate(prometheus_remote_storage_samples_retried_total{{{M}}}[{RI}]))", "{{remote_name}} retried"),
                    q(f"sum by (remote_name) (rate(prometheus_remote_storage_samples_dropped_total{{{M}}}[{RI}]))", "{{remote_name}} dropped")],
                   "short", width=8),
            series("Lag behind the clock", "How old the newest sample each destination has acknowledged is: batch_send_deadline plus "
                   "the scrape interval when healthy, growing while a receiver is down.",
                   [q(f"time() - max by (remote_name) (prometheus_remote_storage_queue_highest_sent_timestamp_seconds{{{M}}})", "{{remote_name}}")],
                   "s", width=8, thresholds=[(None, "green"), (60, "orange"), (300, "red")]),
            series("Shards", "Shards each destination runs, and how many its resharding wants.",
                   [q(f"max by (remote_name) (prometheus_remote_storage_shards{{{M}}})", "{{remote_name}} running"),
                    q(f"max by (remote_name) (prometheus_remote_storage_shards_desired{{{M}}})", "{{remote_name}} desired")], "short", width=8),
            series("WAL held for destinations", "WAL bytes a destination has not sent yet, which the WAL keeps for it.",
                   [q(f"max by (remote_name) (metricsd_remote_storage_wal_held_bytes{{{M}}})", "{{remote_name}}")], "bytes", width=8),
            series("Bytes sent", "Compressed bytes per second each destination sent (samples; metadata apart).",
                   [q(f"sum by (remote_name) (rate(prometheus_remote_storage_bytes_total{{{M}}}[{RI}]))", "{{remote_name}}")], "Bps", width=8),
        ]),
        Row("Discovery and rules", [
            series("Discovered targets", "Targets discovery found per scrape job, before relabeling.",
                   [q(f"sum by (config) (prometheus_sd_discovered_targets{{{M}}})", "{{config}}")], "short", width=8),
            series("Kubernetes events", "Watch events per second by role and kind, and failed list/watch requests.",
                   [q(f"sum by (role, event) (rate(prometheus_sd_kubernetes_events_total{{{M}}}[{RI}]))", "{{role}} {{event}}"),
                    q(f"sum(rate(prometheus_sd_kubernetes_failures_total{{{M}}}[{RI}]))", "failures")], "short", width=8),
            series("Rule evaluation", "Rule evaluations and failures per second, and the slowest group's last duration.",
                   [q(f"sum(rate(prometheus_rule_evaluations_total{{{M}}}[{RI}]))", "evaluations"),
                    q(f"sum(rate(prometheus_rule_evaluation_failures_total{{{M}}}[{RI}]))", "failures"),
                    q(f"max(prometheus_rule_group_last_duration_seconds{{{M}}})", "slowest group (s)")], "short", width=8),
        ]),
    ],
    tags=["toolboxai", "toolboxmetrics"],
)

overview = Dashboard(
    "toolboxai-overview", "ToolboxAI · Overview",
    "The headline panel of each area; each title's dashboard has the detail.",
    POD_VARIABLES,
    [
        Row("Platform", [
            stat("API requests", "Requests per second to the API.", f"sum(rate(http_requests_total{{{F}}}[{RI}]))", "reqps", width=4),
            stat("API p99 latency", "99th percentile of API request duration.", API_P99, "s", [GREEN, (0.5, "orange"), (1, "red")], width=4),
            stat("5xx ratio", "Share of API requests answered with a 5xx status.",
                 ratio(f'sum(rate(http_requests_total{{{F}, status=~"5.."}}[{RI}]))', f"sum(rate(http_requests_total{{{F}}}[{RI}]))"),
                 "percentunit", [GREEN, (0.01, "orange"), (0.05, "red")], width=4, decimals=2),
            stat("DB p99 (slowest operation)", "The highest per-operation 99th percentile of query time.", f"max({DB_P99})", "s",
                 [GREEN, (0.25, "orange"), (0.5, "red")], width=4),
            stat("Cache hit ratio", "Share of the API's cache lookups that hit.", APP_HIT_RATIO, "percentunit",
                 [(None, "red"), (0.6, "orange"), (0.8, "green")], width=4, decimals=1),
            stat("WebSocket connections", "Open WebSocket connections.", f"sum(websocket_connections_active{{{F}}})", "short", width=4),
        ]),
        Row("Trends", [
            series("Requests and errors", "API requests and 5xx responses per second.",
                   [q(f"sum(rate(http_requests_total{{{F}}}[{RI}]))", "requests"),
                    q(f'sum(rate(http_requests_total{{{F}, status=~"5.."}}[{RI}]))', "5xx")], "reqps", width=8),
            series("Agent p99 by task type", "99th percentile of agent processing time by task type.", [q(AGENT_P99, "{{task_type}}")], "s", width=8),
            series("Node CPU", "CPU time per second by mode on the nodes (node-exporter), excluding idle.",
                   [q('sum by (mode) (rate(node_cpu_seconds_total{mode!="idle"}[$__rate_interval]))', "{{mode}}")], "short", width=8,
                   stacked=True),
            Panel("table", "Target health", "Every scrape target, down ones first (1 up, 0 down).",
                  [q("sort(up)")], unit="short", width=12, thresholds=[(None, "red"), (1, "green")]),
            series("Node memory available", "Memory available for new work on the nodes.",
                   [q("sum by (instance) (node_memory_MemAvailable_bytes)", "{{instance}}")], "bytes", width=12),
        ]),
    ],
)

DASHBOARDS = [overview, api, database, cache, websocket, agents, errors, agent]
