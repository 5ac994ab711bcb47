print("tsq")
