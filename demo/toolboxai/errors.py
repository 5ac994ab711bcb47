"""`app_exceptions_total{handler, exception}`: unhandled exceptions by class, as the platform counts them."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter

APP_EXCEPTIONS = Counter(
    "app_exceptions_total",
    "Unhandled exceptions, by handler (route template or agent task) and exception class.",
    ["handler", "exception"],
)


def count_exceptions(app: FastAPI):
    """Answers unhandled exceptions with a 500 and counts them by class."""

    @app.exception_handler(Exception)
    async def on_exception(request: Request, error: Exception):
        route = request.scope.get("route")
        handler = getattr(route, "path", "none")
        APP_EXCEPTIONS.labels(handler, type(error).__name__).inc()
        return JSONResponse({"error": type(error).__name__, "detail": str(error)}, status_code=500)
