#include "Connection.h"

#include "auth/Crypto.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int64_t nowUs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

namespace {

constexpr std::string_view SaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";

// Index just past the '>' that ends the tag starting at `from` ('<'), quotes respected;
// npos if the tag is not complete yet.
size_t tagEnd(const std::string &s, size_t from)
{
    char quote = 0;
    for (size_t i = from + 1; i < s.size(); ++i) {
        const char c = s[i];
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '>') {
            return i + 1;
        }
    }
    return std::string::npos;
}

bool startsWith(const std::string &s, size_t at, std::string_view prefix)
{
    return s.compare(at, prefix.size(), prefix) == 0;
}

std::string base64(std::string_view data)
{
    return QByteArray(data.data(), qsizetype(data.size())).toBase64().toStdString();
}

} // namespace

// --- Element ---

std::string_view Connection::Element::attribute(std::string_view attr) const
{
    const size_t end = xml.find('>');
    const std::string_view tag = xml.substr(0, end);
    size_t pos = 0;
    while ((pos = tag.find(attr, pos)) != std::string_view::npos) {
        const size_t eq = pos + attr.size();
        if (pos > 0 && (tag[pos - 1] == ' ' || tag[pos - 1] == '\t' || tag[pos - 1] == '\n') && eq + 1 < tag.size()
            && tag[eq] == '=' && (tag[eq + 1] == '\'' || tag[eq + 1] == '"')) {
            const char quote = tag[eq + 1];
            const size_t close = tag.find(quote, eq + 2);
            if (close == std::string_view::npos)
                return {};
            return tag.substr(eq + 2, close - eq - 2);
        }
        pos = eq;
    }
    return {};
}

std::string_view Connection::Element::childText(std::string_view child) const
{
    std::string open = "<" + std::string(child);
    size_t pos = xml.find(open);
    while (pos != std::string_view::npos) {
        const char next = pos + open.size() < xml.size() ? xml[pos + open.size()] : 0;
        if (next == '>' || next == ' ')
            break;
        pos = xml.find(open, pos + 1);
    }
    if (pos == std::string_view::npos)
        return {};
    const size_t start = xml.find('>', pos);
    if (start == std::string_view::npos || xml[start - 1] == '/')
        return {};
    const size_t end = xml.find("</" + std::string(child), start);
    if (end == std::string_view::npos)
        return {};
    return xml.substr(start + 1, end - start - 1);
}

// --- Connection ---

Connection::Connection(Loop *loop, int index, std::string user, std::string password)
    : m_loop(loop)
    , m_index(index)
    , m_user(std::move(user))
    , m_password(std::move(password))
{
    m_bareJid = m_user + "@" + loop->config().domain;
    m_fullJid = m_bareJid + "/" + loop->config().resource;
}

Connection::~Connection()
{
    if (m_ssl)
        SSL_free(m_ssl);
    if (m_fd >= 0) {
        m_loop->remove(this);
        ::close(m_fd);
    }
}

void Connection::setState(State state)
{
    m_state = state;
}

void Connection::start()
{
    if (m_fd >= 0) {
        m_loop->remove(this);
        ::close(m_fd);
        m_fd = -1;
    }
    if (m_ssl) {
        SSL_free(m_ssl);
        m_ssl = nullptr;
    }
    m_in.clear();
    m_out.clear();
    m_failure.clear();
    m_authenticated = false;
    m_wantWrite = false;
    inFlight = 0;
    presencesFromOthers = 0;
    waitingEcho = false;
    m_startedUs = nowUs();
    m_onlineUs = 0;

    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0) {
        m_state = State::Failed;
        m_failure = std::string("socket: ") + std::strerror(errno);
        m_loop->observer()->failed(this);
        return;
    }
    // Nagle as the servers ship it would add up to 40 ms to a client's small writes, which is
    // the generator's delay, not the server's: every client write goes out at once.
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (const int sources = m_loop->config().sources; sources > 1) {
        // One source address has ~28,000 ephemeral ports towards one server port.
        static unsigned next = 0;
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + (next++ % unsigned(sources)) - 1);
        ::bind(m_fd, reinterpret_cast<sockaddr *>(&local), sizeof local);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(m_loop->config().port);
    ::inet_pton(AF_INET, m_loop->config().host.c_str(), &address.sin_addr);
    m_loop->add(this);
    m_state = State::Connecting;
    if (::connect(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) < 0 && errno != EINPROGRESS) {
        fail(std::string("connect: ") + std::strerror(errno));
        return;
    }
    m_loop->modify(this, true);
}

void Connection::close()
{
    if (m_fd < 0)
        return;
    if (m_state == State::Online && !m_ssl) {
        const std::string_view bye = "</stream:stream>";
        [[maybe_unused]] const ssize_t n = ::send(m_fd, bye.data(), bye.size(), MSG_NOSIGNAL);
    }
    m_loop->remove(this);
    ::close(m_fd);
    m_fd = -1;
    if (m_ssl) {
        SSL_free(m_ssl);
        m_ssl = nullptr;
    }
    m_state = State::Closed;
}

void Connection::fail(const std::string &why)
{
    if (m_state == State::Failed || m_state == State::Closed)
        return;
    m_failure = why;
    m_loop->remove(this);
    ::close(m_fd);
    m_fd = -1;
    if (m_ssl) {
        SSL_free(m_ssl);
        m_ssl = nullptr;
    }
    m_state = State::Failed;
    m_loop->observer()->failed(this);
}

void Connection::openStream()
{
    std::string header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                         "xmlns:stream='http://etherx.jabber.org/streams' to='";
    header += m_loop->config().domain;
    header += "' version='1.0'>";
    send(header);
}

void Connection::send(std::string_view data)
{
    if (m_fd < 0)
        return;
    m_out.append(data);
    if (m_state != State::Connecting && m_state != State::Handshake)
        flush();
}

void Connection::flush()
{
    while (!m_out.empty() && m_fd >= 0) {
        ssize_t n;
        if (m_ssl) {
            ERR_clear_error();
            n = SSL_write(m_ssl, m_out.data(), int(m_out.size()));
            if (n <= 0) {
                const int e = SSL_get_error(m_ssl, int(n));
                if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
                    break;
                fail("TLS write failed");
                return;
            }
        } else {
            n = ::send(m_fd, m_out.data(), m_out.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    break;
                fail(std::string("write: ") + std::strerror(errno));
                return;
            }
        }
        m_out.erase(0, size_t(n));
    }
    updateInterest();
}

void Connection::updateInterest()
{
    if (m_fd < 0)
        return;
    const bool want = !m_out.empty();
    if (want != m_wantWrite) {
        m_wantWrite = want;
        m_loop->modify(this, want);
    }
}

void Connection::onWritable()
{
    if (m_state == State::Connecting) {
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
            fail(std::string("connect: ") + std::strerror(error));
            return;
        }
        m_wantWrite = true;   // the loop still watches for writability; flush() corrects it
        if (m_loop->config().directTls) {
            startTlsHandshake();
            return;
        }
        setState(State::Features);
        openStream();
        return;
    }
    if (m_state == State::Handshake) {
        continueHandshake();
        return;
    }
    flush();
}

void Connection::onHangup()
{
    if (m_state == State::Connecting) {
        onWritable();
        return;
    }
    onReadable();
}

void Connection::onReadable()
{
    if (m_state == State::Handshake) {
        continueHandshake();
        return;
    }
    char buffer[65536];
    for (int rounds = 0; rounds < 16 && m_fd >= 0; ++rounds) {
        ssize_t n;
        if (m_ssl) {
            ERR_clear_error();
            n = SSL_read(m_ssl, buffer, sizeof buffer);
            if (n <= 0) {
                const int e = SSL_get_error(m_ssl, int(n));
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                    break;
                fail(m_state == State::Online ? "closed by the server" : "TLS read failed");
                return;
            }
        } else {
            n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n == 0) {
                fail("closed by the server");
                return;
            }
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    break;
                fail(std::string("read: ") + std::strerror(errno));
                return;
            }
        }
        m_in.append(buffer, size_t(n));
        if (size_t(n) < sizeof buffer && !m_ssl)
            break;
    }
    parse();
    if (m_fd >= 0 && !m_out.empty())
        flush();
}

void Connection::parse()
{
    size_t p = 0;
    while (m_fd >= 0) {
        const size_t lt = m_in.find('<', p);
        if (lt == std::string::npos) {
            p = m_in.size();   // whitespace keepalives
            break;
        }
        if (startsWith(m_in, lt, "<?")) {
            const size_t end = m_in.find("?>", lt);
            if (end == std::string::npos) {
                p = lt;
                break;
            }
            p = end + 2;
            continue;
        }
        if (startsWith(m_in, lt, "<stream:stream")) {
            const size_t end = tagEnd(m_in, lt);
            if (end == std::string::npos) {
                p = lt;
                break;
            }
            p = end;
            continue;
        }
        if (startsWith(m_in, lt, "</stream:stream")) {
            fail("stream closed by the server");
            return;
        }
        // One top-level element: follow the tags until the depth is back to zero.
        int depth = 0;
        size_t q = lt;
        bool complete = false;
        while (true) {
            const size_t t = m_in.find('<', q);
            if (t == std::string::npos)
                break;
            const size_t e = tagEnd(m_in, t);
            if (e == std::string::npos)
                break;
            if (m_in[t + 1] == '/')
                --depth;
            else if (m_in[e - 2] != '/')
                ++depth;
            q = e;
            if (depth == 0) {
                complete = true;
                break;
            }
        }
        if (!complete) {
            p = lt;
            break;
        }
        Element element;
        element.xml = std::string_view(m_in).substr(lt, q - lt);
        size_t nameEnd = 1;
        while (nameEnd < element.xml.size() && element.xml[nameEnd] != ' ' && element.xml[nameEnd] != '>'
               && element.xml[nameEnd] != '/')
            ++nameEnd;
        element.name = element.xml.substr(1, nameEnd - 1);
        p = q;
        handle(element);
    }
    if (m_fd >= 0)
        m_in.erase(0, std::min(p, m_in.size()));
}

void Connection::handle(const Element &element)
{
    if (element.name == "stream:error") {
        fail("stream error: " + std::string(element.xml.substr(0, 200)));
        return;
    }
    if (m_smEnabled) {
        // XEP-0198 §4: 'h' counts the stanzas received since <enable/>; answer every <r/>.
        if (element.name == "message" || element.name == "presence" || element.name == "iq") {
            ++m_smHandled;
        } else if (element.name == "r") {
            send("<a xmlns='urn:xmpp:sm:3' h='" + std::to_string(m_smHandled) + "'/>");
            return;
        } else if (element.name == "enabled" || element.name == "a") {
            return;
        } else if (element.name == "failed") {
            fail("stream management refused");
            return;
        }
    }
    switch (m_state) {
    case State::Features:
    case State::Restart:
        if (element.name == "stream:features")
            handleFeatures(element);
        return;
    case State::Proceed:
        if (element.name == "proceed")
            startTlsHandshake();
        else
            fail("STARTTLS refused");
        return;
    case State::Sasl:
        if (element.name == "success") {
            m_authenticated = true;
            setState(State::Restart);
            openStream();
        } else {
            fail("authentication failed: " + std::string(element.xml.substr(0, 200)));
        }
        return;
    case State::ScramChallenge:
        handleScramChallenge(element);
        return;
    case State::ScramSuccess:
        handleScramSuccess(element);
        return;
    case State::Bind:
        if (element.name == "iq" && element.attribute("id") == "bind") {
            if (element.attribute("type") != "result") {
                fail("bind failed");
                return;
            }
            setState(State::Roster);
            if (m_loop->config().sm) {
                send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
                m_smEnabled = true;
                m_smHandled = 0;
            }
            send("<iq type='get' id='roster'><query xmlns='jabber:iq:roster'/></iq>");
        }
        return;
    case State::Roster:
        if (element.name == "iq" && element.attribute("id") == "roster") {
            if (element.attribute("type") != "result") {
                fail("roster get failed");
                return;
            }
            setState(State::Presence);
            send("<presence/>");
        }
        return;
    case State::Presence:
        // Done when the server has broadcast the initial presence back to this resource (RFC
        // 6121 §4.2.2); contacts' presence may come first.
        if (element.name == "presence") {
            if (element.attribute("from") == m_fullJid) {
                setState(State::Online);
                m_onlineUs = nowUs();
                m_loop->observer()->online(this);
            } else {
                ++presencesFromOthers;
            }
        }
        return;
    case State::Online:
        m_loop->observer()->element(this, element);
        return;
    default:
        return;
    }
}

void Connection::handleFeatures(const Element &element)
{
    if (m_authenticated) {
        setState(State::Bind);
        send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>"
             + m_loop->config().resource + "</resource></bind></iq>");
        return;
    }
    if (m_loop->config().starttls && !m_ssl) {
        if (element.xml.find("<starttls") == std::string_view::npos) {
            fail("STARTTLS not offered");
            return;
        }
        setState(State::Proceed);
        send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        return;
    }
    startAuth();
}

void Connection::startAuth()
{
    if (m_loop->config().mechanism == ClientConfig::Mechanism::Plain) {
        std::string credentials;
        credentials.push_back('\0');
        credentials += m_user;
        credentials.push_back('\0');
        credentials += m_password;
        setState(State::Sasl);
        send("<auth xmlns='" + std::string(SaslNs) + "' mechanism='PLAIN'>" + base64(credentials) + "</auth>");
        return;
    }
    m_nonce = Crypto::randomBytes(18).toBase64().toStdString();
    m_clientFirstBare = "n=" + m_user + ",r=" + m_nonce;
    setState(State::ScramChallenge);
    send("<auth xmlns='" + std::string(SaslNs) + "' mechanism='SCRAM-SHA-1'>" + base64("n,," + m_clientFirstBare)
         + "</auth>");
}

void Connection::handleScramChallenge(const Element &element)
{
    if (element.name != "challenge") {
        fail("SCRAM: no challenge: " + std::string(element.xml.substr(0, 200)));
        return;
    }
    const std::string_view text = element.xml.substr(element.xml.find('>') + 1);
    const QByteArray serverFirst = QByteArray::fromBase64(
        QByteArray(text.data(), qsizetype(text.find('<'))));
    QByteArray nonce, salt;
    int iterations = 0;
    for (const QByteArray &part : serverFirst.split(',')) {
        if (part.startsWith("r="))
            nonce = part.mid(2);
        else if (part.startsWith("s="))
            salt = QByteArray::fromBase64(part.mid(2));
        else if (part.startsWith("i="))
            iterations = part.mid(2).toInt();
    }
    if (!nonce.startsWith(QByteArray::fromStdString(m_nonce)) || salt.isEmpty() || iterations <= 0) {
        fail("SCRAM: bad challenge");
        return;
    }
    ScramCache &cache = m_loop->scramCache();
    const QByteArray key = salt + '\0' + QByteArray::number(iterations) + '\0' + QByteArray::fromStdString(m_password);
    auto it = cache.keys.constFind(key);
    if (it == cache.keys.constEnd()) {
        ++cache.misses;
        const QByteArray salted = Crypto::pbkdf2(Crypto::Hash::Sha1, QByteArray::fromStdString(m_password), salt,
                                                 iterations);
        ScramCache::Keys keys;
        keys.clientKey = Crypto::hmac(Crypto::Hash::Sha1, salted, "Client Key");
        keys.storedKey = Crypto::hash(Crypto::Hash::Sha1, keys.clientKey);
        keys.serverKey = Crypto::hmac(Crypto::Hash::Sha1, salted, "Server Key");
        it = cache.keys.insert(key, keys);
    } else {
        ++cache.hits;
    }
    const QByteArray withoutProof = "c=biws,r=" + nonce;
    const QByteArray authMessage = QByteArray::fromStdString(m_clientFirstBare) + ',' + serverFirst + ',' + withoutProof;
    const QByteArray signature = Crypto::hmac(Crypto::Hash::Sha1, it->storedKey, authMessage);
    QByteArray proof = it->clientKey;
    for (qsizetype i = 0; i < proof.size(); ++i)
        proof[i] = char(proof[i] ^ signature[i]);
    m_serverSignature = Crypto::hmac(Crypto::Hash::Sha1, it->serverKey, authMessage);
    const QByteArray final = withoutProof + ",p=" + proof.toBase64();
    setState(State::ScramSuccess);
    send("<response xmlns='" + std::string(SaslNs) + "'>" + final.toBase64().toStdString() + "</response>");
}

void Connection::handleScramSuccess(const Element &element)
{
    if (element.name != "success") {
        fail("SCRAM: authentication failed: " + std::string(element.xml.substr(0, 200)));
        return;
    }
    const std::string_view text = element.xml.substr(element.xml.find('>') + 1);
    const QByteArray serverFinal = QByteArray::fromBase64(QByteArray(text.data(), qsizetype(text.find('<'))));
    if (serverFinal != "v=" + m_serverSignature.toBase64()) {
        fail("SCRAM: wrong server signature");
        return;
    }
    m_authenticated = true;
    setState(State::Restart);
    openStream();
}

void Connection::startTlsHandshake()
{
    m_ssl = SSL_new(m_loop->config().tls);
    SSL_set_fd(m_ssl, m_fd);
    SSL_set_connect_state(m_ssl);
    SSL_set_tlsext_host_name(m_ssl, m_loop->config().domain.c_str());
    m_in.clear();
    setState(State::Handshake);
    continueHandshake();
}

void Connection::continueHandshake()
{
    ERR_clear_error();
    const int r = SSL_do_handshake(m_ssl);
    if (r == 1) {
        setState(State::Features);
        openStream();
        return;
    }
    const int e = SSL_get_error(m_ssl, r);
    if (e == SSL_ERROR_WANT_READ) {
        m_wantWrite = false;
        m_loop->modify(this, false);
    } else if (e == SSL_ERROR_WANT_WRITE) {
        m_wantWrite = true;
        m_loop->modify(this, true);
    } else {
        fail("TLS handshake failed");
    }
}

// --- Loop ---

Loop::Loop(const ClientConfig &config)
    : m_config(config)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
}

Loop::~Loop()
{
    ::close(m_epoll);
}

void Loop::add(Connection *c)
{
    const int fd = c->fd();
    if (size_t(fd) >= m_byFd.size())
        m_byFd.resize(size_t(fd) + 1024, nullptr);
    m_byFd[size_t(fd)] = c;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
}

void Loop::modify(Connection *c, bool wantWrite)
{
    epoll_event event{};
    event.events = EPOLLIN | (wantWrite ? EPOLLOUT : 0u);
    event.data.fd = c->fd();
    epoll_ctl(m_epoll, EPOLL_CTL_MOD, c->fd(), &event);
}

void Loop::remove(Connection *c)
{
    const int fd = c->fd();
    if (fd < 0)
        return;
    epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
    if (size_t(fd) < m_byFd.size())
        m_byFd[size_t(fd)] = nullptr;
}

void Loop::poll(int timeoutMs)
{
    epoll_event events[512];
    const int n = epoll_wait(m_epoll, events, 512, timeoutMs);
    for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        Connection *c = size_t(fd) < m_byFd.size() ? m_byFd[size_t(fd)] : nullptr;
        if (!c)
            continue;
        const uint32_t ev = events[i].events;
        if (ev & EPOLLOUT)
            c->onWritable();
        if (c->fd() != fd)
            continue;   // closed or failed meanwhile
        if (ev & EPOLLIN)
            c->onReadable();
        else if (ev & (EPOLLERR | EPOLLHUP))
            c->onHangup();
    }
}
