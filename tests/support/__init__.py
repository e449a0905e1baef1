"""Support code of the test suite: the sample community, the running bot, the CLI."""
