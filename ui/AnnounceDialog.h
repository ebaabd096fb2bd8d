#pragma once

#include <QDialog>

class QCheckBox;
class QLineEdit;
class QPlainTextEdit;

// "Message everyone online": a subject, the text, and whether offline users get it too (as
// offline messages at their next login). The server sends it from its domain (AdminService).
class AnnounceDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit AnnounceDialog(QWidget *parent = nullptr);

    QString subject() const;
    QString body() const;
    bool everyone() const;

private:
    QLineEdit *m_subject;
    QPlainTextEdit *m_body;
    QCheckBox *m_everyone;
};
