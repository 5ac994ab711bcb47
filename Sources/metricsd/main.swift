print("metricsd: not wired yet")
