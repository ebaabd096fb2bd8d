#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>

// The TLS 1.3 record layer (RFC 8446 §5) of one established session, in memory only: what a
// TlsSession keeps once OpenSSL has finished the handshake and its SSL object is freed. Per
// direction it holds the traffic secret, the AEAD key and static IV derived from it (§7.3) and
// the 64-bit sequence number — no cipher context: each record re-keys a context shared by the
// thread (docs/ARCHITECTURE.md, TLS section, has the numbers behind that choice).
//
// It seals application data, alerts and KeyUpdate messages into records and opens one complete
// record at a time (in place). Every violation the peer commits gets its fatal alert, sealed
// into the output, and the layer fails for good: bad_record_mac for a record that does not
// authenticate, record_overflow for one too long, unexpected_message for anything but
// application data, alerts and KeyUpdate after the handshake, decode_error for a malformed
// alert or KeyUpdate, illegal_parameter for an unknown KeyUpdate request.
class Tls13RecordLayer
{
public:
    enum class Cipher : std::uint8_t { Aes128Gcm, Aes256Gcm, ChaCha20Poly1305 };

    static constexpr int HeaderSize = 5;
    static constexpr int TagSize = 16;
    static constexpr int MaxPlaintext = 1 << 14;              // §5.1
    static constexpr int MaxCiphertext = MaxPlaintext + 256;  // §5.2, inner type and padding included
    // Room a sealed record of n plaintext bytes needs.
    static constexpr int sealedSize(int n) { return HeaderSize + n + 1 + TagSize; }
    // §5.5: AES-GCM should not protect more than 2^24.5 full records under one key; ours is
    // replaced (KeyUpdate, update_not_requested) after 2^24 records in any suite.
    static constexpr std::uint64_t RecordsPerKey = std::uint64_t(1) << 24;

    enum ContentType : std::uint8_t {
        ChangeCipherSpec = 20,
        Alert = 21,
        Handshake = 22,
        ApplicationData = 23,
    };
    enum AlertDescription : std::uint8_t {
        CloseNotify = 0,
        UnexpectedMessage = 10,
        BadRecordMac = 20,
        RecordOverflow = 22,
        IllegalParameter = 47,
        DecodeError = 50,
        InternalError = 80,
        UserCanceled = 90,
    };

    // The suite from its IANA number (SSL_CIPHER_get_protocol_id); false if not one of ours.
    static bool cipherFromId(std::uint16_t id, Cipher *cipher);

    // Client and server application traffic secrets (§7.1), the hash length of the suite, and
    // the next sequence numbers in each direction (the server side: it reads the client's
    // records). False if the secrets do not fit the suite or key derivation fails.
    bool init(Cipher cipher, QByteArrayView clientSecret, QByteArrayView serverSecret,
              std::uint64_t readSequence, std::uint64_t writeSequence);

    bool hasFailed() const { return m_failed; }
    std::uint64_t readSequence() const { return m_read.sequence; }
    std::uint64_t writeSequence() const { return m_write.sequence; }

    // Seals n ≤ MaxPlaintext bytes of application data as one record into out, which has
    // sealedSize(n) bytes of room (more if a KeyUpdate of our own must go first: then
    // sealedSize(n) + KeyUpdateRecordSize). Returns the bytes written, 0 on failure.
    static constexpr int KeyUpdateRecordSize = HeaderSize + 5 + 1 + TagSize;
    int sealApplicationData(const char *data, int n, char *out);
    // One record of any inner content type (the layer's own building block; tests use it to
    // play a peer that sends what it should not). Returns the bytes written, 0 on failure.
    int seal(std::uint8_t type, const char *data, int n, char *out);
    // An alert record (close_notify is a warning, anything else fatal) appended to out.
    void sealAlert(AlertDescription description, QByteArray *out);

    // The record header's verdict: the record's whole size (header included), or 0 and an
    // alert to send (sealed into out, and the layer has failed) when the header alone is
    // enough to refuse the record.
    int recordSize(const char *header, QByteArray *out);

    enum class Opened {
        Data,        // application data at *offset, *length bytes (possibly none)
        Nothing,     // a KeyUpdate (any reply is in out) or a user_canceled warning
        PeerClosed,  // close_notify
        PeerAlert,   // the peer's fatal alert: peerAlert() says which
        Failed,      // our fatal alert is in out; the session is over
    };
    // Opens one complete record of size bytes (as recordSize() said) in place. Replies this
    // layer owes the peer (our KeyUpdate, a fatal alert) are appended to out.
    Opened open(char *record, int size, int *offset, int *length, QByteArray *out);
    std::uint8_t peerAlert() const { return m_peerAlert; }
    // Why the layer failed, for the log ("bad record mac", ...).
    const char *failure() const { return m_failure; }

    ~Tls13RecordLayer();

private:
    struct Direction
    {
        unsigned char secret[48];
        unsigned char key[32];
        unsigned char iv[12];
        std::uint64_t sequence = 0;
    };

    bool derive(Direction &direction);
    bool updateSecret(Direction &direction);   // §7.2, "traffic upd"
    void fail(AlertDescription description, const char *why, QByteArray *out);
    Opened keyUpdate(const unsigned char *message, int size, QByteArray *out);

    Direction m_read;
    Direction m_write;
    // A KeyUpdate split over records (§5.1 allows it): its first bytes, at most the 5 it has.
    unsigned char m_handshake[5];
    std::uint8_t m_handshakeSize = 0;
    Cipher m_cipher = Cipher::Aes128Gcm;
    std::uint8_t m_peerAlert = 0;
    bool m_failed = false;
    bool m_ready = false;
    const char *m_failure = "";
};
