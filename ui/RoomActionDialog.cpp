#include "RoomActionDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

RoomActionDialog::RoomActionDialog(Action action, const QString &room, const QString &target, QWidget *parent)
    : QDialog(parent)
    , m_reason(new QLineEdit(this))
{
    setObjectName(u"roomActionDialog"_s);
    auto *layout = new QVBoxLayout(this);
    QString title, text, go;
    switch (action) {
    case Action::Kick:
        title = tr("Kick from room");
        text = tr("%1 leaves %2 at once (status 307, XEP-0045 §8.2); the user may join again.").arg(target, room);
        go = tr("&Kick");
        break;
    case Action::Ban:
        title = tr("Ban from room");
        text = tr("%1 becomes an outcast of %2 (status 301, §9.1): every resource of the account leaves and "
                  "may not join again.").arg(target, room);
        go = tr("&Ban");
        break;
    case Action::Affiliation:
        title = tr("Change affiliation");
        text = tr("The affiliation of %1 in %2 (§9, §10): the occupants are told.").arg(target, room);
        go = tr("&Change");
        break;
    case Action::Destroy:
        title = tr("Destroy room");
        text = tr("%1 is destroyed (§10.9): every occupant is removed with the reason, and its configuration, "
                  "affiliations and history are gone.").arg(room);
        go = tr("&Destroy");
        break;
    }
    setWindowTitle(title);
    auto *label = new QLabel(text, this);
    label->setWordWrap(true);
    layout->addWidget(label);
    auto *form = new QFormLayout;
    if (action == Action::Affiliation) {
        m_affiliation = new QComboBox(this);
        m_affiliation->setObjectName(u"affiliation"_s);
        for (auto a : {Muc::Affiliation::Owner, Muc::Affiliation::Admin, Muc::Affiliation::Member,
                       Muc::Affiliation::None, Muc::Affiliation::Outcast})
            m_affiliation->addItem(Muc::affiliationName(a), int(a));
        m_affiliation->setCurrentIndex(2);
        form->addRow(tr("&Affiliation:"), m_affiliation);
    }
    m_reason->setObjectName(u"reason"_s);
    m_reason->setPlaceholderText(tr("optional: shown to the occupants"));
    form->addRow(tr("&Reason:"), m_reason);
    layout->addLayout(form);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    QPushButton *ok = buttons->addButton(go, QDialogButtonBox::AcceptRole);
    ok->setObjectName(u"confirm"_s);
    buttons->button(QDialogButtonBox::Cancel)->setDefault(true);   // a stray Enter does nothing harmful
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

QString RoomActionDialog::reason() const
{
    return m_reason->text().trimmed();
}

void RoomActionDialog::setReason(const QString &reason)
{
    m_reason->setText(reason);
}

Muc::Affiliation RoomActionDialog::affiliation() const
{
    return m_affiliation ? Muc::Affiliation(m_affiliation->currentData().toInt()) : Muc::Affiliation::None;
}

void RoomActionDialog::setAffiliation(Muc::Affiliation affiliation)
{
    if (m_affiliation)
        m_affiliation->setCurrentIndex(m_affiliation->findData(int(affiliation)));
}
