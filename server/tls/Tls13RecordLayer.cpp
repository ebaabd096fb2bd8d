#include "tls/Tls13RecordLayer.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstring>

namespace {

constexpr std::uint8_t KeyUpdateType = 24;   // §4, HandshakeType key_update
constexpr int IvSize = 12;

struct Suite
{
    const char *cipher;
    const char *digest;
    int keySize;
    int hashSize;
};

const Suite &suite(Tls13RecordLayer::Cipher cipher)
{
    static const Suite suites[] = {
        {"AES-128-GCM", "SHA256", 16, 32},
        {"AES-256-GCM", "SHA384", 32, 48},
        {"ChaCha20-Poly1305", "SHA256", 32, 32},
    };
    return suites[int(cipher)];
}

// One cipher context per suite and direction for the whole thread, re-keyed per record. It
// remembers the key it holds, so a run of records under one key only sets the nonce.
struct SharedContext
{
    EVP_CIPHER_CTX *ctx = nullptr;
    unsigned char key[32];
    bool keyed = false;
};

struct SharedContexts
{
    SharedContext slots[3][2];   // [cipher][encrypt]
    EVP_CIPHER *ciphers[3] = {};
    ~SharedContexts()
    {
        for (auto &pair : slots)
            for (SharedContext &slot : pair) {
                EVP_CIPHER_CTX_free(slot.ctx);
                OPENSSL_cleanse(slot.key, sizeof slot.key);
            }
        for (EVP_CIPHER *cipher : ciphers)
            EVP_CIPHER_free(cipher);
    }
};

// The thread's context for a suite and direction, keyed with key, ready for nonce.
EVP_CIPHER_CTX *keyedContext(Tls13RecordLayer::Cipher cipher, bool encrypt, const unsigned char *key,
                             const unsigned char *nonce)
{
    thread_local SharedContexts contexts;
    const int c = int(cipher);
    const Suite &s = suite(cipher);
    SharedContext &slot = contexts.slots[c][encrypt ? 1 : 0];
    if (!slot.ctx) {
        if (!contexts.ciphers[c])
            contexts.ciphers[c] = EVP_CIPHER_fetch(nullptr, s.cipher, nullptr);
        slot.ctx = EVP_CIPHER_CTX_new();
        if (!contexts.ciphers[c] || !slot.ctx
            || EVP_CipherInit_ex2(slot.ctx, contexts.ciphers[c], nullptr, nullptr, encrypt ? 1 : 0, nullptr) != 1) {
            EVP_CIPHER_CTX_free(slot.ctx);
            slot.ctx = nullptr;
            return nullptr;
        }
    }
    const bool sameKey = slot.keyed && CRYPTO_memcmp(slot.key, key, size_t(s.keySize)) == 0;
    if (EVP_CipherInit_ex2(slot.ctx, nullptr, sameKey ? nullptr : key, nonce, encrypt ? 1 : 0, nullptr) != 1) {
        slot.keyed = false;
        return nullptr;
    }
    if (!sameKey) {
        std::memcpy(slot.key, key, size_t(s.keySize));
        slot.keyed = true;
    }
    return slot.ctx;
}

// §5.3: the 64-bit sequence number, big-endian, left-padded to the IV's length, XOR the IV.
void makeNonce(const unsigned char *iv, std::uint64_t sequence, unsigned char *nonce)
{
    std::memcpy(nonce, iv, IvSize);
    for (int i = 0; i < 8; ++i)
        nonce[IvSize - 1 - i] ^= static_cast<unsigned char>(sequence >> (8 * i));
}

// §7.1: HKDF-Expand-Label(Secret, Label, "", Length) with HkdfLabel as its info.
bool expandLabel(const Suite &s, const unsigned char *secret, const char *label, unsigned char *out, int length)
{
    unsigned char info[2 + 1 + 255 + 1];
    const size_t labelSize = std::strlen(label);
    static constexpr char Prefix[] = "tls13 ";
    const size_t fullLabelSize = sizeof Prefix - 1 + labelSize;
    size_t i = 0;
    info[i++] = static_cast<unsigned char>(length >> 8);
    info[i++] = static_cast<unsigned char>(length);
    info[i++] = static_cast<unsigned char>(fullLabelSize);
    std::memcpy(info + i, Prefix, sizeof Prefix - 1);
    i += sizeof Prefix - 1;
    std::memcpy(info + i, label, labelSize);
    i += labelSize;
    info[i++] = 0;   // empty context

    static EVP_KDF *const hkdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    EVP_KDF_CTX *ctx = hkdf ? EVP_KDF_CTX_new(hkdf) : nullptr;
    if (!ctx)
        return false;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char *>(s.digest), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<unsigned char *>(secret), size_t(s.hashSize)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, i),
        OSSL_PARAM_construct_end(),
    };
    const bool ok = EVP_KDF_derive(ctx, out, size_t(length), params) == 1;
    EVP_KDF_CTX_free(ctx);
    return ok;
}

} // namespace

bool Tls13RecordLayer::cipherFromId(std::uint16_t id, Cipher *cipher)
{
    switch (id) {   // RFC 8446 §B.4
    case 0x1301: *cipher = Cipher::Aes128Gcm; return true;
    case 0x1302: *cipher = Cipher::Aes256Gcm; return true;
    case 0x1303: *cipher = Cipher::ChaCha20Poly1305; return true;
    default: return false;
    }
}

Tls13RecordLayer::~Tls13RecordLayer()
{
    OPENSSL_cleanse(&m_read, sizeof m_read);
    OPENSSL_cleanse(&m_write, sizeof m_write);
}

bool Tls13RecordLayer::init(Cipher cipher, QByteArrayView clientSecret, QByteArrayView serverSecret,
                            std::uint64_t readSequence, std::uint64_t writeSequence)
{
    m_cipher = cipher;
    const int hashSize = suite(cipher).hashSize;
    if (clientSecret.size() != hashSize || serverSecret.size() != hashSize)
        return false;
    std::memcpy(m_read.secret, clientSecret.data(), size_t(hashSize));
    std::memcpy(m_write.secret, serverSecret.data(), size_t(hashSize));
    m_read.sequence = readSequence;
    m_write.sequence = writeSequence;
    m_ready = derive(m_read) && derive(m_write);
    m_failed = !m_ready;
    return m_ready;
}

bool Tls13RecordLayer::derive(Direction &direction)
{
    const Suite &s = suite(m_cipher);
    return expandLabel(s, direction.secret, "key", direction.key, s.keySize)
        && expandLabel(s, direction.secret, "iv", direction.iv, IvSize);
}

bool Tls13RecordLayer::updateSecret(Direction &direction)
{
    const Suite &s = suite(m_cipher);
    unsigned char next[48];
    if (!expandLabel(s, direction.secret, "traffic upd", next, s.hashSize))
        return false;
    std::memcpy(direction.secret, next, size_t(s.hashSize));
    OPENSSL_cleanse(next, sizeof next);
    direction.sequence = 0;
    return derive(direction);
}

int Tls13RecordLayer::seal(std::uint8_t type, const char *data, int n, char *out)
{
    // §5.2: TLSInnerPlaintext is the content, its real type, no padding; the header is the AAD.
    if (!m_ready || m_failed || n < 0 || n > MaxPlaintext || m_write.sequence == UINT64_MAX)
        return 0;
    auto *record = reinterpret_cast<unsigned char *>(out);
    const int length = n + 1 + TagSize;
    record[0] = ApplicationData;
    record[1] = 0x03;
    record[2] = 0x03;
    record[3] = static_cast<unsigned char>(length >> 8);
    record[4] = static_cast<unsigned char>(length);
    unsigned char *body = record + HeaderSize;
    if (n > 0 && reinterpret_cast<const unsigned char *>(data) != body)
        std::memmove(body, data, size_t(n));
    body[n] = type;
    unsigned char nonce[IvSize];
    makeNonce(m_write.iv, m_write.sequence, nonce);
    EVP_CIPHER_CTX *ctx = keyedContext(m_cipher, true, m_write.key, nonce);
    int produced = 0;
    int last = 0;
    if (!ctx || EVP_EncryptUpdate(ctx, nullptr, &produced, record, HeaderSize) != 1
        || EVP_EncryptUpdate(ctx, body, &produced, body, n + 1) != 1
        || EVP_EncryptFinal_ex(ctx, body + produced, &last) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TagSize, body + n + 1) != 1)
        return 0;
    ++m_write.sequence;
    return HeaderSize + length;
}

int Tls13RecordLayer::sealApplicationData(const char *data, int n, char *out)
{
    int written = 0;
    if (m_ready && !m_failed && m_write.sequence >= RecordsPerKey) {
        // §4.6.3: our own KeyUpdate before the key wears out; the peer need not answer.
        const char message[] = {char(KeyUpdateType), 0, 0, 1, 0};
        written = seal(Handshake, message, int(sizeof message), out);
        if (written == 0 || !updateSecret(m_write)) {
            m_failed = true;
            m_failure = "key update failed";
            return 0;
        }
    }
    const int sealed = seal(ApplicationData, data, n, out + written);
    return sealed == 0 ? 0 : written + sealed;
}

void Tls13RecordLayer::sealAlert(AlertDescription description, QByteArray *out)
{
    // §6: close_notify and user_canceled are warnings; every other alert is fatal.
    const bool warning = description == CloseNotify || description == UserCanceled;
    const char alert[] = {char(warning ? 1 : 2), char(description)};
    char record[sealedSize(2)];
    if (const int n = seal(Alert, alert, 2, record); n > 0 && out)
        out->append(record, n);
}

void Tls13RecordLayer::fail(AlertDescription description, const char *why, QByteArray *out)
{
    if (m_failed)
        return;
    sealAlert(description, out);
    m_failed = true;
    m_failure = why;
}

int Tls13RecordLayer::recordSize(const char *header, QByteArray *out)
{
    if (m_failed)
        return 0;
    const auto *h = reinterpret_cast<const unsigned char *>(header);
    // §5: after the handshake every record is protected: its outer type is application_data. A
    // change_cipher_spec is only dropped before the peer's Finished; legacy_record_version is
    // ignored.
    if (h[0] != ApplicationData) {
        fail(UnexpectedMessage, "unexpected record type", out);
        return 0;
    }
    const int length = (h[3] << 8) | h[4];
    if (length > MaxCiphertext) {   // §5.2
        fail(RecordOverflow, "record overflow", out);
        return 0;
    }
    return HeaderSize + length;
}

Tls13RecordLayer::Opened Tls13RecordLayer::open(char *record, int size, int *offset, int *length, QByteArray *out)
{
    *offset = HeaderSize;
    *length = 0;
    if (m_failed || !m_ready)
        return Opened::Failed;
    auto *r = reinterpret_cast<unsigned char *>(record);
    if (size < HeaderSize || recordSize(record, out) != size)
        return m_failed ? Opened::Failed : (fail(DecodeError, "bad record length", out), Opened::Failed);
    const int cipherLength = size - HeaderSize - TagSize;
    if (cipherLength < 1) {   // no room for even the content type: it cannot authenticate
        fail(BadRecordMac, "bad record mac", out);
        return Opened::Failed;
    }
    if (m_read.sequence == UINT64_MAX) {   // §5.3: never wrap; the peer should have updated
        fail(InternalError, "read sequence number exhausted", out);
        return Opened::Failed;
    }
    unsigned char nonce[IvSize];
    makeNonce(m_read.iv, m_read.sequence, nonce);
    unsigned char *body = r + HeaderSize;
    EVP_CIPHER_CTX *ctx = keyedContext(m_cipher, false, m_read.key, nonce);
    int produced = 0;
    int last = 0;
    if (!ctx) {
        fail(InternalError, "no cipher context", out);
        return Opened::Failed;
    }
    if (EVP_DecryptUpdate(ctx, nullptr, &produced, r, HeaderSize) != 1
        || EVP_DecryptUpdate(ctx, body, &produced, body, cipherLength) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TagSize, body + cipherLength) != 1
        || EVP_DecryptFinal_ex(ctx, body + produced, &last) != 1) {
        fail(BadRecordMac, "bad record mac", out);   // §5.2
        return Opened::Failed;
    }
    ++m_read.sequence;

    // §5.4: the content type is the last non-zero byte; all zeros is a protocol violation.
    int contentLength = cipherLength;
    while (contentLength > 0 && body[contentLength - 1] == 0)
        --contentLength;
    if (contentLength == 0) {
        fail(UnexpectedMessage, "no content type", out);
        return Opened::Failed;
    }
    const std::uint8_t type = body[--contentLength];
    if (contentLength > MaxPlaintext) {   // §5.4: inner plaintext beyond 2^14 bytes
        fail(RecordOverflow, "record overflow", out);
        return Opened::Failed;
    }
    // §5.1: a handshake message in pieces must not be interleaved with other record types.
    if (type != Handshake && m_handshakeSize > 0) {
        fail(UnexpectedMessage, "handshake message interrupted", out);
        return Opened::Failed;
    }
    switch (type) {
    case ApplicationData:
        *length = contentLength;
        return Opened::Data;
    case Alert:
        if (contentLength != 2) {   // §5.1: alerts are never fragmented or coalesced
            fail(DecodeError, "malformed alert", out);
            return Opened::Failed;
        }
        if (body[1] == CloseNotify)
            return Opened::PeerClosed;
        if (body[1] == UserCanceled)
            return Opened::Nothing;   // §6.1: a close_notify should follow
        m_peerAlert = body[1];
        m_failed = true;
        m_failure = "the peer sent a fatal alert";
        return Opened::PeerAlert;
    case Handshake:
        if (contentLength == 0) {   // §5.1: no zero-length handshake fragments
            fail(UnexpectedMessage, "empty handshake record", out);
            return Opened::Failed;
        }
        return keyUpdate(body, contentLength, out);
    default:
        fail(UnexpectedMessage, "unexpected content type", out);
        return Opened::Failed;
    }
}

Tls13RecordLayer::Opened Tls13RecordLayer::keyUpdate(const unsigned char *message, int size, QByteArray *out)
{
    // After the handshake a client may send only KeyUpdate (§4.6.3): no post-handshake
    // authentication was offered, tickets and certificate requests are the server's to send.
    for (int i = 0; i < size; ++i) {
        if (m_handshakeSize == sizeof m_handshake) {
            // §5.1: the KeyUpdate changes the key, so it must end its record.
            fail(UnexpectedMessage, "data after a key update", out);
            return Opened::Failed;
        }
        m_handshake[m_handshakeSize++] = message[i];
        if (m_handshakeSize == 1 && m_handshake[0] != KeyUpdateType) {
            fail(UnexpectedMessage, "unexpected handshake message", out);
            return Opened::Failed;
        }
        if (m_handshakeSize == 4 && (m_handshake[1] != 0 || m_handshake[2] != 0 || m_handshake[3] != 1)) {
            fail(DecodeError, "malformed key update", out);
            return Opened::Failed;
        }
    }
    if (m_handshakeSize < sizeof m_handshake)
        return Opened::Nothing;   // the rest comes in the next record
    const std::uint8_t request = m_handshake[4];
    m_handshakeSize = 0;
    if (request > 1) {   // update_not_requested(0), update_requested(1)
        fail(IllegalParameter, "bad key update request", out);
        return Opened::Failed;
    }
    if (!updateSecret(m_read)) {
        fail(InternalError, "key update failed", out);
        return Opened::Failed;
    }
    if (request == 1) {
        // Our KeyUpdate under the old key, then everything after under the new one.
        const char reply[] = {char(KeyUpdateType), 0, 0, 1, 0};
        char record[sealedSize(int(sizeof reply))];
        const int n = seal(Handshake, reply, int(sizeof reply), record);
        if (n == 0 || !updateSecret(m_write)) {
            fail(InternalError, "key update failed", out);
            return Opened::Failed;
        }
        out->append(record, n);
    }
    return Opened::Nothing;
}
