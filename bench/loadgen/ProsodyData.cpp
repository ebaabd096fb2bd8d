#include "ProsodyData.h"

#include "auth/Crypto.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QList>
#include <QSaveFile>
#include <QStringList>
#include <QTextStream>
#include <QThread>
#include <QThreadPool>

#include <atomic>

using namespace Qt::StringLiterals;

namespace {

// util.datamanager's file name encoding: every non-alphanumeric byte as %xx.
QString encode(const QString &name)
{
    QString out;
    for (const char c : name.toUtf8()) {
        const uchar u = uchar(c);
        if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9'))
            out += QLatin1Char(c);
        else
            out += u"%%%1"_s.arg(u, 2, 16, QLatin1Char('0'));
    }
    return out;
}

QByteArray luaString(const QString &text)
{
    QByteArray s = text.toUtf8();
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    return '"' + s + '"';
}

bool readLines(const QString &path, QList<QString> *lines)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return false;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (!line.isEmpty() && !line.startsWith(u'#'))
            lines->append(line);
    }
    return true;
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(content);
    return file.commit();
}

} // namespace

int writeProsodyData(const QString &dataPath, const QString &domain, const QString &usersFile,
                     const QString &rosterFile, int iterations)
{
    QTextStream err(stderr);
    const QString hostDir = dataPath + u'/' + encode(domain);
    if (!QDir().mkpath(hostDir + u"/accounts"_s) || !QDir().mkpath(hostDir + u"/roster"_s)) {
        err << "sb-loadgen: cannot create " << hostDir << "\n";
        return 1;
    }
    QElapsedTimer timer;
    timer.start();
    if (!usersFile.isEmpty()) {
        QList<QString> lines;
        if (!readLines(usersFile, &lines)) {
            err << "sb-loadgen: cannot read " << usersFile << "\n";
            return 1;
        }
        QList<std::pair<QString, QByteArray>> users;
        for (const QString &line : std::as_const(lines)) {
            const qsizetype colon = line.indexOf(u':');
            if (colon <= 0) {
                err << "sb-loadgen: " << usersFile << ": expected user:password, got " << line << "\n";
                return 1;
            }
            users.append({line.left(colon).section(u'@', 0, 0), line.mid(colon + 1).toUtf8()});
        }
        std::atomic<qsizetype> next{0};
        std::atomic<int> failures{0};
        auto work = [&] {
            for (qsizetype i = next++; i < users.size(); i = next++) {
                // Prosody's salts are UUID strings; any printable string will do.
                const QByteArray salt = Crypto::randomBytes(16).toHex();
                const QByteArray salted = Crypto::pbkdf2(Crypto::Hash::Sha1, users.at(i).second, salt, iterations);
                const QByteArray clientKey = Crypto::hmac(Crypto::Hash::Sha1, salted, "Client Key");
                const QByteArray storedKey = Crypto::hash(Crypto::Hash::Sha1, clientKey);
                const QByteArray serverKey = Crypto::hmac(Crypto::Hash::Sha1, salted, "Server Key");
                const QByteArray content = "return {\n\t[\"iteration_count\"] = " + QByteArray::number(iterations)
                    + ";\n\t[\"salt\"] = \"" + salt + "\";\n\t[\"server_key\"] = \"" + serverKey.toHex()
                    + "\";\n\t[\"stored_key\"] = \"" + storedKey.toHex() + "\";\n};\n";
                if (!writeFile(hostDir + u"/accounts/"_s + encode(users.at(i).first) + u".dat"_s, content))
                    ++failures;
            }
        };
        QThreadPool pool;
        const int workers = std::max(1, QThread::idealThreadCount());
        pool.setMaxThreadCount(workers);
        for (int w = 1; w < workers; ++w)
            pool.start(work);
        work();
        pool.waitForDone();
        if (failures > 0) {
            err << "sb-loadgen: " << failures.load() << " account files could not be written\n";
            return 1;
        }
        QTextStream(stdout) << "prosody: wrote " << users.size() << " accounts in " << timer.elapsed() << " ms\n";
    }
    if (!rosterFile.isEmpty()) {
        QList<QString> lines;
        if (!readLines(rosterFile, &lines)) {
            err << "sb-loadgen: cannot read " << rosterFile << "\n";
            return 1;
        }
        QHash<QString, QStringList> contacts;
        for (const QString &line : std::as_const(lines)) {
            const QStringList words = line.split(u' ', Qt::SkipEmptyParts);
            if (words.size() != 2) {
                err << "sb-loadgen: " << rosterFile << ": expected 'user contact', got " << line << "\n";
                return 1;
            }
            const QString a = words.at(0).section(u'@', 0, 0);
            const QString b = words.at(1).section(u'@', 0, 0);
            if (a == b)
                continue;
            if (!contacts[a].contains(b))
                contacts[a].append(b);
            if (!contacts[b].contains(a))
                contacts[b].append(a);
        }
        for (auto it = contacts.cbegin(); it != contacts.cend(); ++it) {
            QByteArray content = "return {\n\t[false] = {\n\t\t[\"version\"] = 1;\n\t\t[\"pending\"] = {};\n\t};\n";
            for (const QString &contact : it.value()) {
                content += "\t[" + luaString(contact + u'@' + domain)
                    + "] = {\n\t\t[\"subscription\"] = \"both\";\n\t\t[\"groups\"] = {};\n\t};\n";
            }
            content += "};\n";
            if (!writeFile(hostDir + u"/roster/"_s + encode(it.key()) + u".dat"_s, content)) {
                err << "sb-loadgen: cannot write the roster of " << it.key() << "\n";
                return 1;
            }
        }
        QTextStream(stdout) << "prosody: wrote " << contacts.size() << " rosters\n";
    }
    return 0;
}
