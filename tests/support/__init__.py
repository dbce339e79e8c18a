"""Helpers shared by the tests: mock evaluation, fakes, goldens, the build rehearsal."""
