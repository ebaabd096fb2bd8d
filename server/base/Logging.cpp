#include "base/Logging.h"

Q_LOGGING_CATEGORY(lcServer, "switchboard.server")
Q_LOGGING_CATEGORY(lcC2s, "switchboard.c2s")
Q_LOGGING_CATEGORY(lcSasl, "switchboard.sasl")
Q_LOGGING_CATEGORY(lcTls, "switchboard.tls")
Q_LOGGING_CATEGORY(lcStorage, "switchboard.storage")
Q_LOGGING_CATEGORY(lcRouter, "switchboard.router")
Q_LOGGING_CATEGORY(lcSessions, "switchboard.sessions")
