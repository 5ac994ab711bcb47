print("metricsd")
