#pragma once

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QTimer>

#include <functional>

class QSslSocket;

// One HTTP/1.1 request with a body, read from its own connection (HttpsListener::takeRequests)
// and written to a file as it arrives, so a body costs a few hundred KiB of memory whatever its
// size. The owner judges the request by its head before any of the body is read (and a client
// that asked for "100 Continue" hears it only then, RFC 9110 §10.1.1), and finishes it once the
// whole body is on disk. It answers once with `Connection: close` and closes the connection;
// it deletes itself with the socket, removing its file unless the owner took it.
class StreamedRequest : public QObject
{
public:
    struct Head
    {
        QByteArray method;
        QByteArray target;               // as sent: path and query, still percent-encoded
        qint64 contentLength = -1;
        QByteArray contentType;
        bool expectContinue = false;
    };
    // status 0: go on (only from Check); otherwise the answer, with a short text for people.
    struct Answer
    {
        int status = 0;
        QString text;
    };
    using Check = std::function<Answer(const Head &head)>;
    // The body is complete, fsynced and closed in `file`: move it away (rename) or leave it,
    // which removes it.
    using Finish = std::function<Answer(const Head &head, const QString &file)>;
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    // A body that makes no progress for this long is given up.
    static constexpr int StallTimeoutMs = 60000;

    // Takes `socket` (parented to it); `head` is the request head still unread in the socket.
    // `file` is where the body goes (created exclusively); `headers` go into every answer.
    StreamedRequest(QSslSocket *socket, const QByteArray &head, const QString &file, Headers headers, Check check,
                    Finish finish);
    ~StreamedRequest() override;

    // The head's request line and the fields this class needs. *ok false: malformed (400);
    // *chunked: a Transfer-Encoding was sent (411, as is a missing Content-Length).
    static Head parseHead(const QByteArray &head, bool *ok, bool *chunked);

private:
    void start();
    void receive();
    void complete();
    void respond(const Answer &answer);
    void fail(const Answer &answer);
    void dropFile();

    QSslSocket *m_socket;
    QByteArray m_rawHead;
    Head m_head;
    QFile m_file;
    Headers m_headers;
    Check m_check;
    Finish m_finish;
    qint64 m_left = 0;
    qint64 m_drained = 0;
    bool m_created = false;
    bool m_answered = false;
    bool m_receiving = false;
    QTimer m_stall;
};
