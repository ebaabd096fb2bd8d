// sb-loadgen: opens up to 10,000 XMPP client connections from one process against a server on
// loopback and drives one scenario (login, messages, presence), printing "RESULT key value"
// lines for bench/compare.sh. Also writes Prosody's data files for the same accounts.
#include "Connection.h"
#include "ProcStats.h"
#include "ProsodyData.h"
#include "Scenario.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <openssl/ssl.h>

#include <algorithm>
#include <arpa/inet.h>
#include <csignal>

using namespace Qt::StringLiterals;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"sb-loadgen"_s);
    std::signal(SIGPIPE, SIG_IGN);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"XMPP load generator for bench/compare.sh (loopback only).\n\n"
        "  sb-loadgen run --port P --scenario login|messages|presence|pep-seed|room [options]\n"
        "  sb-loadgen prosody-data --data-path DIR --users FILE [--roster FILE]\n\n"
        "Accounts are <prefix>1..<prefix>N with one password. Results are printed as\n"
        "'RESULT key value' lines; failures are summarised on stderr."_s);
    parser.addHelpOption();
    const QList<QCommandLineOption> options{
        {u"host"_s, u"Server address; must be a loopback address (default 127.0.0.1)."_s, u"ADDR"_s, u"127.0.0.1"_s},
        {u"port"_s, u"Client port (plain, STARTTLS offered)."_s, u"N"_s, u"5222"_s},
        {u"domain"_s, u"XMPP domain (default localhost)."_s, u"D"_s, u"localhost"_s},
        {u"scenario"_s, u"login, messages, presence, or pep-seed (each account publishes an avatar and an OMEMO "
                                 "bundle once), or room (--users members join one room, --senders of them post)."_s,
         u"NAME"_s, u"login"_s},
        {u"prefix"_s, u"Account name prefix (default u)."_s, u"P"_s, u"u"_s},
        {u"password"_s, u"The accounts' password."_s, u"PW"_s, u"secret"_s},
        {u"users"_s, u"login/presence: number of accounts."_s, u"N"_s, u"1000"_s},
        {u"window"_s, u"Logins in flight (default 100)."_s, u"N"_s, u"100"_s},
        {u"mechanism"_s, u"PLAIN or SCRAM-SHA-1."_s, u"M"_s, u"PLAIN"_s},
        {u"starttls"_s, u"Negotiate STARTTLS before authenticating."_s},
        {u"direct-tls"_s, u"TLS from the first byte (XEP-0368; --port is the direct TLS port)."_s},
        {u"sources"_s, u"Connect from 127.0.0.1 .. 127.0.0.N in turn (more than ~28,000 sessions)."_s,
         u"N"_s, u"1"_s},
        {u"sm"_s, u"XEP-0198: enable stream management with resumption after bind."_s},
        {u"no-warmup"_s, u"SCRAM: skip the warm-up pass that fills the key cache."_s},
        {u"room"_s, u"room: the room's bare JID (default bench@conference.<domain>)."_s, u"JID"_s},
        {u"senders"_s, u"room: members that post groupchat messages (default 10); --in-flight is per sender, "
                       "--rate the total."_s, u"N"_s, u"10"_s},
        {u"idle-lag"_s, u"room: seconds of the server's idle event-loop lag measured before posting "
                        "(needs --control-socket)."_s, u"S"_s, u"0"_s},
        {u"pairs"_s, u"messages: online pairs (default 500)."_s, u"N"_s, u"500"_s},
        {u"in-flight"_s, u"messages: messages in flight per direction (default 1)."_s, u"N"_s, u"1"_s},
        {u"rate"_s, u"messages: a fixed total rate in messages/s instead of a window."_s, u"R"_s, u"0"_s},
        {u"duration"_s, u"Seconds of message traffic or churn (default 30)."_s, u"S"_s, u"30"_s},
        {u"contacts"_s, u"presence: mutual contacts per user (default 20)."_s, u"N"_s, u"20"_s},
        {u"updates"_s, u"presence: updates per user in the storm (default 5)."_s, u"N"_s, u"5"_s},
        {u"churn"_s, u"login: after the ramp, re-login this many sessions per second."_s, u"R"_s, u"0"_s},
        {u"probe"_s, u"An account that pings the server every 10 ms during the run."_s, u"USER"_s},
        {u"control-socket"_s, u"Switchboard's control.sock: report its own event-loop lag over the measured "
                              "window (churn, messages)."_s, u"PATH"_s},
        {u"server-pid"_s, u"The server's process id, for its CPU time and RSS."_s, u"PID"_s, u"0"_s},
        {u"timeout"_s, u"Hard limit for the whole run in seconds (default 600)."_s, u"S"_s, u"600"_s},
        {u"warmup"_s, u"messages: seconds of traffic before measuring (default 2)."_s, u"S"_s, u"2"_s},
        {u"settle"_s, u"Seconds idle before the memory sample (default 3)."_s, u"S"_s, u"3"_s},
        {u"data-path"_s, u"prosody-data: Prosody's data_path."_s, u"DIR"_s},
        {u"users-file"_s, u"prosody-data: user:password lines."_s, u"FILE"_s},
        {u"roster-file"_s, u"prosody-data: 'user contact' lines (mutual subscriptions)."_s, u"FILE"_s},
        {u"iterations"_s, u"prosody-data: PBKDF2 iterations (default 10000)."_s, u"N"_s, u"10000"_s},
    };
    parser.addOptions(options);
    parser.addPositionalArgument(u"command"_s, u"run or prosody-data"_s);
    parser.process(app);
    const QString command = parser.positionalArguments().value(0, u"run"_s);
    QTextStream err(stderr);

    if (command == u"prosody-data") {
        if (!parser.isSet(u"data-path"_s)) {
            err << "sb-loadgen: prosody-data needs --data-path\n";
            return 2;
        }
        return writeProsodyData(parser.value(u"data-path"_s), parser.value(u"domain"_s),
                                parser.value(u"users-file"_s), parser.value(u"roster-file"_s),
                                parser.value(u"iterations"_s).toInt());
    }
    if (command != u"run") {
        err << "sb-loadgen: unknown command " << command << "\n";
        return 2;
    }

    // Load tests target this machine only.
    in_addr address{};
    if (inet_pton(AF_INET, parser.value(u"host"_s).toLatin1().constData(), &address) != 1
        || (ntohl(address.s_addr) >> 24) != 127) {
        err << "sb-loadgen: --host must be an IPv4 loopback address\n";
        return 2;
    }
    const int64_t files = raiseFileLimit();

    ClientConfig client;
    client.host = parser.value(u"host"_s).toStdString();
    client.port = quint16(parser.value(u"port"_s).toUInt());
    client.domain = parser.value(u"domain"_s).toStdString();
    const QString mechanism = parser.value(u"mechanism"_s).toUpper();
    if (mechanism == u"SCRAM-SHA-1") {
        client.mechanism = ClientConfig::Mechanism::ScramSha1;
    } else if (mechanism != u"PLAIN") {
        err << "sb-loadgen: --mechanism is PLAIN or SCRAM-SHA-1\n";
        return 2;
    }
    client.starttls = parser.isSet(u"starttls"_s);
    client.directTls = parser.isSet(u"direct-tls"_s);
    client.sm = parser.isSet(u"sm"_s);
    client.sources = std::clamp(parser.value(u"sources"_s).toInt(), 1, 250);
    if (client.starttls || client.directTls) {
        client.tls = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_verify(client.tls, SSL_VERIFY_NONE, nullptr);   // self-signed test certificates
        if (client.directTls) {
            static const unsigned char alpn[] = "\x0bxmpp-client";
            SSL_CTX_set_alpn_protos(client.tls, alpn, sizeof alpn - 1);
        }
    }

    RunOptions run;
    run.scenario = parser.value(u"scenario"_s).toStdString();
    run.prefix = parser.value(u"prefix"_s).toStdString();
    run.password = parser.value(u"password"_s).toStdString();
    run.users = parser.value(u"users"_s).toInt();
    run.window = std::max(1, parser.value(u"window"_s).toInt());
    run.pairs = parser.value(u"pairs"_s).toInt();
    run.messageWindow = std::max(1, parser.value(u"in-flight"_s).toInt());
    run.messageRate = parser.value(u"rate"_s).toDouble();
    run.duration = parser.value(u"duration"_s).toDouble();
    run.contacts = parser.value(u"contacts"_s).toInt();
    run.updates = parser.value(u"updates"_s).toInt();
    run.churn = parser.value(u"churn"_s).toDouble();
    run.scramWarmup = !parser.isSet(u"no-warmup"_s);
    run.probeUser = parser.value(u"probe"_s).toStdString();
    run.controlSocket = parser.value(u"control-socket"_s).toStdString();
    run.serverPid = parser.value(u"server-pid"_s).toInt();
    run.timeout = parser.value(u"timeout"_s).toDouble();
    run.idleSettle = parser.value(u"settle"_s).toDouble();
    run.warmup = parser.value(u"warmup"_s).toDouble();
    run.room = parser.value(u"room"_s).toStdString();
    run.senders = parser.value(u"senders"_s).toInt();
    run.idleLag = parser.value(u"idle-lag"_s).toDouble();

    const int needed = (run.scenario == "messages" ? 2 * run.pairs : run.users) + 64;
    if (files < needed) {
        err << "sb-loadgen: the file limit is " << files << ", the run needs " << needed << "\n";
        return 2;
    }
    int code = 0;
    {
        Scenario scenario(client, run);
        code = scenario.run();
    }
    if (client.tls)
        SSL_CTX_free(client.tls);
    return code;
}
