#pragma once

#include <QByteArray>
#include <QHash>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

// Monotonic clock in microseconds.
int64_t nowUs();

// What every connection of a run shares.
struct ClientConfig
{
    std::string host = "127.0.0.1";
    uint16_t port = 5222;
    std::string domain = "localhost";
    std::string resource = "lg";
    enum class Mechanism { Plain, ScramSha1 } mechanism = Mechanism::Plain;
    bool starttls = false;
    bool directTls = false;    // XEP-0368: TLS at once, ALPN "xmpp-client" offered
    int sources = 1;           // connect from 127.0.0.1 .. 127.0.0.N, round robin (> 28k sessions)
    bool sm = false;           // XEP-0198: <enable resume='true'/> after bind, answer <r/>
    SSL_CTX *tls = nullptr;
};

// SCRAM-SHA-1 keys per (salt, iterations): a warm-up pass fills it, so that the measured pass
// costs the generator two HMACs per login instead of a PBKDF2.
struct ScramCache
{
    struct Keys
    {
        QByteArray clientKey;
        QByteArray storedKey;
        QByteArray serverKey;
    };
    QHash<QByteArray, Keys> keys;
    int64_t hits = 0;
    int64_t misses = 0;
};

class Loop;

// One XMPP client stream, from connect() to an available resource: stream header, optional
// STARTTLS, SASL PLAIN or SCRAM-SHA-1, stream restart, bind, roster get, initial presence (done
// when the server echoes it). After that every top-level element goes to the scenario.
class Connection
{
public:
    enum class State {
        Idle, Connecting, Features, Proceed, Handshake, Sasl, ScramChallenge, ScramSuccess, Restart, Bind,
        Roster, Presence, Online, Closed, Failed
    };

    // One complete top-level element, as received.
    struct Element
    {
        std::string_view xml;
        std::string_view name;
        std::string_view attribute(std::string_view attr) const;   // first tag only; raw (unescaped)
        std::string_view childText(std::string_view child) const;   // <child>text</child>, raw
    };

    Connection(Loop *loop, int index, std::string user, std::string password);
    ~Connection();

    int index() const { return m_index; }
    const std::string &user() const { return m_user; }
    const std::string &fullJid() const { return m_fullJid; }
    State state() const { return m_state; }
    bool isOnline() const { return m_state == State::Online; }
    bool isBusy() const { return m_state != State::Idle && m_state != State::Online && m_state != State::Closed && m_state != State::Failed; }
    int fd() const { return m_fd; }
    const std::string &failure() const { return m_failure; }
    int64_t startedUs() const { return m_startedUs; }
    int64_t onlineUs() const { return m_onlineUs; }

    // Opens the TCP connection and starts the login.
    void start();
    // Sends </stream:stream> and closes at once (the server sees EOF).
    void close();
    void send(std::string_view data);

    // Called by the loop.
    void onWritable();
    void onReadable();
    void onHangup();

    // Scenario bookkeeping.
    int peer = -1;              // messages: the partner's index
    int inFlight = 0;           // messages sent by this one and not yet delivered
    int64_t presencesFromOthers = 0;
    int pendingUpdates = 0;     // presence: updates still to send
    bool waitingEcho = false;
    int64_t pingSentUs = 0;

private:
    void fail(const std::string &why);
    void setState(State state);
    void openStream();
    void parse();
    void handle(const Element &element);
    void handleFeatures(const Element &element);
    void startAuth();
    void handleScramChallenge(const Element &element);
    void handleScramSuccess(const Element &element);
    void startTlsHandshake();
    void continueHandshake();
    void flush();
    void updateInterest();

    Loop *m_loop;
    int m_index;
    std::string m_user;
    std::string m_password;
    std::string m_fullJid;
    std::string m_bareJid;
    State m_state = State::Idle;
    int m_fd = -1;
    SSL *m_ssl = nullptr;
    bool m_authenticated = false;
    bool m_smEnabled = false;      // <enable/> sent: count stanzas for 'h'
    uint32_t m_smHandled = 0;
    bool m_wantWrite = false;
    std::string m_in;
    std::string m_out;
    std::string m_failure;
    int64_t m_startedUs = 0;
    int64_t m_onlineUs = 0;
    // SCRAM
    std::string m_clientFirstBare;
    std::string m_nonce;
    QByteArray m_serverSignature;
};

// Receives what the connections report.
class ConnectionObserver
{
public:
    virtual ~ConnectionObserver() = default;
    virtual void online(Connection *c) = 0;
    virtual void failed(Connection *c) = 0;
    virtual void element(Connection *c, const Connection::Element &element) = 0;
};

// The epoll loop that owns every socket.
class Loop
{
public:
    explicit Loop(const ClientConfig &config);
    ~Loop();

    const ClientConfig &config() const { return m_config; }
    ScramCache &scramCache() { return m_scram; }
    void setObserver(ConnectionObserver *observer) { m_observer = observer; }
    ConnectionObserver *observer() const { return m_observer; }

    void add(Connection *c);              // after the socket is created
    void modify(Connection *c, bool wantWrite);
    void remove(Connection *c);
    // Waits up to timeoutMs and dispatches the ready sockets.
    void poll(int timeoutMs);

private:
    ClientConfig m_config;
    ScramCache m_scram;
    ConnectionObserver *m_observer = nullptr;
    int m_epoll = -1;
    std::vector<Connection *> m_byFd;
};
