#include "KickDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {
// -1 in the combo box's data: no stream error.
constexpr int NoCondition = -1;
}

KickDialog::KickDialog(const QStringList &targets, QWidget *parent)
    : QDialog(parent)
    , m_reason(new QLineEdit(defaultReason(), this))
    , m_condition(new QComboBox(this))
    , m_keepOut(new QComboBox(this))
    , m_explanation(new QLabel(this))
{
    setWindowTitle(tr("Kick"));
    setObjectName(u"kickDialog"_s);
    m_reason->setObjectName(u"reason"_s);
    m_condition->setObjectName(u"condition"_s);

    auto *layout = new QVBoxLayout(this);
    QString what;
    const int shown = 8;
    for (qsizetype i = 0; i < targets.size() && i < shown; ++i)
        what += u"\n  "_s + targets[i];
    if (targets.size() > shown)
        what += u"\n  "_s + tr("… and %n more", nullptr, int(targets.size() - shown));
    auto *label = new QLabel(tr("Disconnect with a stream error:%1").arg(what), this);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(label);

    auto *form = new QFormLayout;
    form->addRow(tr("&Reason sent to the client:"), m_reason);
    const std::pair<int, QString> conditions[] = {
        {int(StreamError::Condition::PolicyViolation), tr("policy-violation (default)")},
        {int(StreamError::Condition::Reset), tr("reset (the client may reconnect at once)")},
        {int(StreamError::Condition::NotAuthorized), tr("not-authorized")},
        {int(StreamError::Condition::Conflict), tr("conflict")},
        {NoCondition, tr("none (close the stream without an error)")},
    };
    for (const auto &[value, text] : conditions)
        m_condition->addItem(text, value);
    form->addRow(tr("Stream &error condition:"), m_condition);
    m_keepOut->setObjectName(u"keepOut"_s);
    m_keepOut->addItem(tr("none"), 0);
    m_keepOut->addItem(tr("5 minutes"), 300);
    m_keepOut->addItem(tr("1 hour"), 3600);
    m_keepOut->addItem(tr("until re-enabled"), -1);
    form->addRow(tr("&Keep out for:"), m_keepOut);
    layout->addLayout(form);
    m_explanation->setObjectName(u"explanation"_s);
    m_explanation->setWordWrap(true);
    m_explanation->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_explanation);
    connect(m_reason, &QLineEdit::textChanged, this, &KickDialog::explain);
    connect(m_condition, &QComboBox::currentIndexChanged, this, &KickDialog::explain);
    connect(m_keepOut, &QComboBox::currentIndexChanged, this, [this] {
        // Keeping out acts on the account with policy-violation, the condition clients show
        // and that the login refusal then explains.
        const bool keep = keepOutSeconds() != 0;
        if (keep)
            setCondition(StreamError::Condition::PolicyViolation);
        m_condition->setEnabled(!keep);
        explain();
    });
    explain();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Kick"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    m_reason->selectAll();
    m_reason->setFocus();
}

QString KickDialog::defaultReason()
{
    return tr("Kicked by the administrator");
}

QString KickDialog::reason() const
{
    return m_reason->text().trimmed();
}

void KickDialog::setReason(const QString &reason)
{
    m_reason->setText(reason);
}

std::optional<StreamError::Condition> KickDialog::condition() const
{
    const int value = m_condition->currentData().toInt();
    if (value == NoCondition)
        return std::nullopt;
    return StreamError::Condition(value);
}

void KickDialog::setCondition(std::optional<StreamError::Condition> condition)
{
    const int index = m_condition->findData(condition ? int(*condition) : NoCondition);
    if (index >= 0)
        m_condition->setCurrentIndex(index);
}

int KickDialog::keepOutSeconds() const
{
    return m_keepOut->currentData().toInt();
}

void KickDialog::setKeepOutSeconds(int seconds)
{
    const int index = m_keepOut->findData(seconds);
    if (index >= 0)
        m_keepOut->setCurrentIndex(index);
}

QString KickDialog::explanation() const
{
    return m_explanation->text();
}

void KickDialog::explain()
{
    // What clients were seen to do (eleven real clients): most reconnect within seconds after
    // a stream error, and several never show its text; a refused login is what they show.
    const std::optional<StreamError::Condition> c = condition();
    const int keep = keepOutSeconds();
    QString text;
    if (!c) {
        text = tr("The client sees the stream end cleanly (</stream:stream>), with no reason, and usually "
                  "reconnects at once.");
    } else {
        text = tr("The client gets the stream error %1 with the text \u201c%2\u201d. Gajim, poezio and aioxmpp "
                  "reconnect within 1\u20133 s; Profanity, Gajim and mcabber do not show the text.")
                   .arg(StreamError::conditionName(*c), reason().isEmpty() ? defaultReason() : reason());
    }
    if (keep > 0) {
        text += u' ' + tr("For %1 the whole account is kept out: every session is kicked, and each login is refused "
                          "with account-disabled \u201cKept out by the administrator until <time>\u201d, which "
                          "clients show as a failed login (most show the text). The Accounts tab shows the lock "
                          "and lifts it.").arg(keep == 300 ? tr("5 minutes") : tr("1 hour"));
    } else if (keep < 0) {
        text += u' ' + tr("The account is disabled: every session is kicked and logins are refused with "
                          "account-disabled until you enable it again in the Accounts tab.");
    } else if (c) {
        text += u' ' + tr("Nothing stops it from logging in again.");
    }
    m_explanation->setText(text);
}
