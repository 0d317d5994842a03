from tests.standins import fixtures

standins = fixtures.standins  # the stand-ins fixture (SMTP and HTTP servers), as in tests/oncall
