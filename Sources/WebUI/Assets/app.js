// The UI's router: each page is a module with `render(main, url)`; links within the UI are
// handled here without reloading.

const pages = {
  dashboards: () => import("./dashboards.js"),
  graph: () => import("./explore.js"),
  targets: () => import("./targets.js"),
  cardinality: () => import("./cardinality.js"),
  alerts: () => import("./rules.js"),
  rules: () => import("./rules.js"),
  status: () => import("./status.js"),
};

function pageName(path) {
  const first = path.split("/").filter(Boolean)[0];
  return pages[first] ? first : "dashboards";
}

let current = null;

async function show() {
  const url = new URL(window.location.href);
  const name = pageName(url.pathname);
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.page === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (current && current.leave) current.leave();
  const main = document.getElementById("page");
  main.innerHTML = "";
  const module = await pages[name]();
  current = module;
  await module.render(main, url);
}

/// Navigates within the UI (pushing history) and renders the new page.
export function navigate(href, { replace = false } = {}) {
  if (replace) window.history.replaceState(null, "", href);
  else window.history.pushState(null, "", href);
  show();
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a");
  if (!link || link.target || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin || !pages[pageName(url.pathname)] || url.pathname.startsWith("/static/")) return;
  if (!["/", ""].includes(url.pathname) && !Object.keys(pages).some((p) => url.pathname.startsWith(`/${p}`))) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener("popstate", show);

if (window.chartLibraryMissing || typeof window.Dygraph !== "function") {
  document.getElementById("notice").textContent =
    "Charts are off: Debian's libjs-dygraphs is not installed where metricsd looks (apt install libjs-dygraphs, or --web.ui-libraries-path).";
}

show();
