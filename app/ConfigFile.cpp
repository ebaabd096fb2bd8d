#include "ConfigFile.h"

#include "core/Server.h"
#include "stanza/Jid.h"

#include <QFile>
#include <QSettings>

using namespace Qt::StringLiterals;

namespace {
QString canonicalKey(QString key)
{
    return key.trimmed().toLower().replace(u'-', u'_');
}

bool parseBool(const QString &value, bool *ok)
{
    const QString v = value.trimmed().toLower();
    *ok = true;
    if (v == u"true" || v == u"yes" || v == u"on" || v == u"1")
        return true;
    if (v == u"false" || v == u"no" || v == u"off" || v == u"0")
        return false;
    *ok = false;
    return false;
}

QString parsePort(const QString &value, quint16 *port)
{
    bool ok = false;
    const int n = value.trimmed().toInt(&ok);
    if (!ok || n < 0 || n > 65535)
        return u"'%1' is not a port number (0-65535)"_s.arg(value);
    *port = quint16(n);
    return {};
}

QString parsePositive(const QString &value, qint64 *out)
{
    bool ok = false;
    const qint64 n = value.trimmed().toLongLong(&ok);
    if (!ok || n <= 0)
        return u"'%1' is not a positive number"_s.arg(value);
    *out = n;
    return {};
}

// The hardening limits: integers within a range, written onto one ServerConfig member.
struct LimitKey
{
    const char16_t *key;
    qint64 min;
    qint64 max;
    void (*set)(ServerConfig *, qint64);
};

const LimitKey LimitKeys[] = {
    {u"max_element_depth", 2, 1000, [](ServerConfig *c, qint64 n) { c->maxElementDepth = int(n); }},
    {u"max_attributes", 4, 10000, [](ServerConfig *c, qint64 n) { c->maxAttributes = int(n); }},
    {u"max_connections", 1, 1'000'000, [](ServerConfig *c, qint64 n) { c->maxConnections = int(n); }},
    {u"max_unauthenticated", 1, 1'000'000, [](ServerConfig *c, qint64 n) { c->maxUnauthenticated = int(n); }},
    {u"max_unauthenticated_per_ip", 1, 1'000'000,
     [](ServerConfig *c, qint64 n) { c->maxUnauthenticatedPerIp = int(n); }},
    {u"read_rate", 0, qint64(1) << 40, [](ServerConfig *c, qint64 n) { c->readRateBytes = n; }},
    {u"max_roster_items", 1, 1'000'000, [](ServerConfig *c, qint64 n) { c->maxRosterItems = int(n); }},
    {u"auth_delay", 0, 60'000, [](ServerConfig *c, qint64 n) { c->authDelayMs = int(n); }},
    {u"auth_delay_max", 0, 600'000, [](ServerConfig *c, qint64 n) { c->authDelayMaxMs = int(n); }},
    {u"auth_lock_failures", 1, 1'000'000, [](ServerConfig *c, qint64 n) { c->authLockFailures = int(n); }},
    {u"auth_lock_failures_per_ip", 1, 1'000'000,
     [](ServerConfig *c, qint64 n) { c->authLockFailuresPerIp = int(n); }},
    {u"auth_lock_time", 1, 30 * 86400, [](ServerConfig *c, qint64 n) { c->authLockSeconds = int(n); }},
};
} // namespace

QStringList ConfigFile::knownKeys()
{
    QStringList keys{u"domain"_s, u"data_dir"_s, u"bind"_s, u"c2s_port"_s, u"c2s_tls_port"_s, u"c2s_tls"_s,
            u"tls_cert"_s, u"tls_key"_s, u"require_encryption"_s, u"allow_plain_without_tls"_s,
            u"resource_conflict"_s, u"scram_iterations"_s, u"unauthenticated_timeout"_s,
            u"max_sasl_failures"_s, u"max_stanza_size"_s, u"offline_quota"_s,
            u"upload_port"_s, u"upload_url_base"_s};
    for (const LimitKey &limit : LimitKeys)
        keys.append(QString::fromUtf16(limit.key));
    for (const ModuleOption &option : Server::moduleOptions())
        keys.append(option.key);
    return keys;
}

QString ConfigFile::apply(const QString &rawKey, const QString &value, ServerConfig *config)
{
    const QString key = canonicalKey(rawKey);
    bool ok = false;
    qint64 number = 0;
    if (key == u"domain") {
        const QString domain = Jid::prepareDomain(value.trimmed());
        if (domain.isEmpty())
            return u"'%1' is not a valid domain name"_s.arg(value);
        config->domain = domain;
    } else if (key == u"data_dir") {
        config->dataDir = value.trimmed();
    } else if (key == u"bind") {
        QHostAddress address;
        const QString v = value.trimmed();
        if (v == u"*" || v == u"any")
            address = QHostAddress(QHostAddress::Any);
        else if (v == u"localhost")
            address = QHostAddress(QHostAddress::LocalHost);
        else if (!address.setAddress(v))
            return u"'%1' is not an IP address (use * for all interfaces)"_s.arg(value);
        config->bindAddress = address;
    } else if (key == u"c2s_port") {
        return parsePort(value, &config->c2sPort);
    } else if (key == u"c2s_tls_port") {
        return parsePort(value, &config->c2sTlsPort);
    } else if (key == u"upload_port") {   // the HTTPS listener (http/HttpsListener)
        quint16 port = 0;
        if (QString e = parsePort(value, &port); !e.isEmpty())
            return e;
        config->httpsPort = port;
    } else if (key == u"upload_url_base") {
        const QString v = value.trimmed();
        if (!v.isEmpty() && !v.startsWith(u"https://") && !v.startsWith(u"http://"))
            return u"'%1' is not an http(s) URL"_s.arg(value);
        config->httpsUrlBase = v;
    } else if (key == u"c2s_tls") {
        config->c2sTlsEnabled = parseBool(value, &ok);
    } else if (key == u"tls_cert") {
        config->tlsCert = value.trimmed();
    } else if (key == u"tls_key") {
        config->tlsKey = value.trimmed();
    } else if (key == u"require_encryption") {
        config->requireEncryption = parseBool(value, &ok);
    } else if (key == u"allow_plain_without_tls") {
        config->allowPlainWithoutTls = parseBool(value, &ok);
    } else if (key == u"resource_conflict") {
        const QString v = value.trimmed().toLower();
        if (v == u"kick_old")
            config->resourceConflict = ServerConfig::ResourceConflict::KickOld;
        else if (v == u"kick_new")
            config->resourceConflict = ServerConfig::ResourceConflict::KickNew;
        else if (v == u"random")
            config->resourceConflict = ServerConfig::ResourceConflict::Random;
        else
            return u"'%1' is not one of kick_old, kick_new, random"_s.arg(value);
    } else if (key == u"scram_iterations") {
        if (QString e = parsePositive(value, &number); !e.isEmpty())
            return e;
        if (number < 4096 || number > 10'000'000)
            return u"scram_iterations must be between 4096 and 10000000"_s;
        config->scramIterations = int(number);
    } else if (key == u"unauthenticated_timeout") {
        if (QString e = parsePositive(value, &number); !e.isEmpty())
            return e;
        config->unauthenticatedTimeoutSeconds = int(qMin<qint64>(number, 86400));
    } else if (key == u"max_sasl_failures") {
        if (QString e = parsePositive(value, &number); !e.isEmpty())
            return e;
        config->maxSaslFailures = int(qMin<qint64>(number, 1000));
    } else if (key == u"max_stanza_size") {
        if (QString e = parsePositive(value, &number); !e.isEmpty())
            return e;
        config->maxStanzaBytes = number;
    } else if (key == u"offline_quota") {
        if (QString e = parsePositive(value, &number); !e.isEmpty())
            return e;
        config->offlineQuota = int(qMin<qint64>(number, 1'000'000));
    } else {
        for (const LimitKey &limit : LimitKeys) {
            if (key != QStringView(limit.key))
                continue;
            const qint64 n = value.trimmed().toLongLong(&ok);
            if (!ok || n < limit.min || n > limit.max)
                return u"%1 must be a whole number from %2 to %3, not '%4'"_s.arg(key).arg(limit.min).arg(limit.max).arg(value);
            limit.set(config, n);
            return {};
        }
        // Keys that modules declare, checked for their type and kept for the module.
        for (const ModuleOption &option : Server::moduleOptions()) {
            if (key != option.key)
                continue;
            QString normalised;
            if (QString problem = option.check(value, &normalised); !problem.isEmpty())
                return problem;
            config->moduleOptions.insert(key, normalised);
            return {};
        }
        return u"unknown setting '%1' (known: %2)"_s.arg(rawKey.trimmed(), knownKeys().join(u", "_s));
    }
    const bool boolean = key == u"c2s_tls" || key == u"require_encryption" || key == u"allow_plain_without_tls";
    if (boolean && !ok)
        return u"'%1' is not a boolean (true or false)"_s.arg(value);
    return {};
}

bool ConfigFile::load(const QString &path, ServerConfig *config, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *error = u"%1: cannot read the config file: %2"_s.arg(path, file.errorString());
        return false;
    }
    // First pass, ours: every line must be blank, a comment, a known section or key = value.
    int lineNumber = 0;
    QHash<QString, int> lineOfKey;
    while (!file.atEnd()) {
        ++lineNumber;
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(u';') || line.startsWith(u'#'))
            continue;
        if (line.startsWith(u'[')) {
            const bool known = line == u"[server]" || line == u"[General]" || line == u"[general]";
            if (!line.endsWith(u']') || !known) {
                *error = u"%1:%2: unknown section %3 (use [server] or no section)"_s.arg(path).arg(lineNumber).arg(line);
                return false;
            }
            continue;
        }
        const qsizetype eq = line.indexOf(u'=');
        if (eq <= 0) {
            *error = u"%1:%2: expected 'key = value', found '%3'"_s.arg(path).arg(lineNumber).arg(line);
            return false;
        }
        const QString key = line.left(eq).trimmed();
        if (!knownKeys().contains(canonicalKey(key))) {
            *error = u"%1:%2: unknown setting '%3' (known: %4)"_s.arg(path).arg(lineNumber).arg(key,
                                                                                          knownKeys().join(u", "_s));
            return false;
        }
        lineOfKey.insert(key, lineNumber);
    }

    // Second pass: QSettings reads the values (quoting, escapes), we check their meaning.
    QSettings settings(path, QSettings::IniFormat);
    if (settings.status() != QSettings::NoError) {
        *error = u"%1: not a valid INI file"_s.arg(path);
        return false;
    }
    const QStringList keys = settings.allKeys();
    for (const QString &qualified : keys) {
        const QString key = qualified.section(u'/', -1);
        const QVariant raw = settings.value(qualified);
        const QString value = raw.typeId() == QMetaType::QStringList ? raw.toStringList().join(u", "_s) : raw.toString();
        const QString problem = apply(key, value, config);
        if (!problem.isEmpty()) {
            *error = u"%1:%2: %3"_s.arg(path).arg(lineOfKey.value(key)).arg(problem);
            return false;
        }
    }
    return true;
}
