# Consumer project tests: filled in below (see tests/consumer).
