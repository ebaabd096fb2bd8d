#include "AnnounceDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

AnnounceDialog::AnnounceDialog(QWidget *parent)
    : QDialog(parent)
    , m_subject(new QLineEdit(this))
    , m_body(new QPlainTextEdit(this))
    , m_everyone(new QCheckBox(tr("Also everyone offline (delivered at their next login)"), this))
{
    setWindowTitle(tr("Message everyone online"));
    setObjectName(u"announceDialog"_s);
    m_subject->setObjectName(u"subject"_s);
    m_body->setObjectName(u"body"_s);
    m_everyone->setObjectName(u"everyone"_s);
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    form->addRow(tr("&Subject:"), m_subject);
    form->addRow(tr("&Message:"), m_body);
    layout->addLayout(form);
    layout->addWidget(m_everyone);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Send"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    m_body->setFocus();
}

QString AnnounceDialog::subject() const
{
    return m_subject->text().trimmed();
}

QString AnnounceDialog::body() const
{
    return m_body->toPlainText().trimmed();
}

bool AnnounceDialog::everyone() const
{
    return m_everyone->isChecked();
}
