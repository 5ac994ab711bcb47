"""A small ToolboxAI-like platform for the ToolboxMetrics demo: an API, a WebSocket server and agent
workers, instrumented the way the platform's services are (see docs/metrics.md)."""
