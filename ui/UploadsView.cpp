#include "UploadsView.h"

#include "ServerLink.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {
enum UsageColumn { UsageUser, UsageFiles, UsageBytes, UsageQuota, UsageColumnCount };
enum FileColumn { FileOwner, FileName, FileSize, FileType, FileDate, FileColumnCount };
constexpr int IdRole = Qt::UserRole;
constexpr int SortRole = Qt::UserRole + 1;

QString bytes(qint64 n)
{
    return QLocale().formattedDataSize(n, 1, QLocale::DataSizeTraditionalFormat);
}

QString duration(qint64 seconds)
{
    if (seconds <= 0)
        return UploadsView::tr("kept until deleted");
    if (seconds % 86400 == 0)
        return UploadsView::tr("deleted after %1 days").arg(seconds / 86400);
    return UploadsView::tr("deleted after %1 seconds").arg(seconds);
}

// Sorts numbers and dates by their raw values rather than their text.
class Item final : public QTreeWidgetItem
{
public:
    using QTreeWidgetItem::QTreeWidgetItem;
    bool operator<(const QTreeWidgetItem &other) const override
    {
        const int column = treeWidget() ? treeWidget()->sortColumn() : 0;
        const QVariant a = data(column, SortRole);
        const QVariant b = other.data(column, SortRole);
        if (a.isValid() && b.isValid())
            return a.toLongLong() < b.toLongLong();
        return QTreeWidgetItem::operator<(other);
    }
};
} // namespace

UploadsView::UploadsView(ServerLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_summary(new QLabel(this))
    , m_usage(new QTreeWidget(this))
    , m_files(new QTreeWidget(this))
    , m_refresh(new QPushButton(tr("Re&fresh"), this))
    , m_delete(new QPushButton(tr("&Delete file…"), this))
    , m_message(new QLabel(this))
{
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_usage->setObjectName(u"uploadUsage"_s);
    m_usage->setRootIsDecorated(false);
    m_usage->setHeaderLabels({tr("User"), tr("Files"), tr("Used"), tr("Of quota")});
    m_usage->setSortingEnabled(true);
    m_usage->sortByColumn(UsageBytes, Qt::DescendingOrder);
    m_files->setObjectName(u"uploadFiles"_s);
    m_files->setRootIsDecorated(false);
    m_files->setUniformRowHeights(true);
    m_files->setHeaderLabels({tr("Owner"), tr("Name"), tr("Size"), tr("Type"), tr("Uploaded")});
    m_files->setSortingEnabled(true);
    m_files->sortByColumn(FileDate, Qt::DescendingOrder);
    m_files->header()->setSectionResizeMode(FileName, QHeaderView::Stretch);
    m_files->header()->setStretchLastSection(false);
    m_delete->setObjectName(u"deleteUpload"_s);
    m_delete->setEnabled(false);
    m_message->setObjectName(u"uploadMessage"_s);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_refresh);
    buttons->addWidget(m_delete);
    buttons->addStretch();
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(new QLabel(tr("Usage per user:"), this));
    layout->addWidget(m_usage, 1);
    layout->addWidget(new QLabel(tr("Files:"), this));
    layout->addWidget(m_files, 3);
    layout->addLayout(buttons);
    layout->addWidget(m_message);

    connect(m_refresh, &QPushButton::clicked, this, &UploadsView::refresh);
    connect(m_delete, &QPushButton::clicked, this, [this] { deleteUpload(selectedId()); });
    connect(m_files, &QTreeWidget::itemSelectionChanged, this,
            [this] { m_delete->setEnabled(!selectedId().isEmpty()); });
}

void UploadsView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
}

void UploadsView::refresh()
{
    const UploadOverview overview = m_link->uploadOverview();
    const QString selected = selectedId();
    m_usage->clear();
    m_files->clear();
    if (!overview.enabled) {
        m_summary->setText(tr("File upload (XEP-0363) is off or the server is not running."));
        m_delete->setEnabled(false);
        return;
    }
    m_summary->setText(tr("HTTP File Upload at %1, served from %2. Largest file %3; quota per user %4; files %5.")
                           .arg(overview.component, overview.urlBase, bytes(overview.maxFileSize),
                                overview.quota > 0 ? bytes(overview.quota) : tr("none"),
                                duration(overview.expiresAfterSeconds)));
    for (const UploadUsage &u : overview.usage) {
        auto *item = new Item(m_usage);
        item->setText(UsageUser, u.username);
        item->setText(UsageFiles, QString::number(u.files));
        item->setData(UsageFiles, SortRole, u.files);
        item->setText(UsageBytes, bytes(u.bytes));
        item->setData(UsageBytes, SortRole, u.bytes);
        if (overview.quota > 0) {
            const int percent = int(qMin<qint64>(100, u.bytes * 100 / overview.quota));
            auto *bar = new QProgressBar(m_usage);
            bar->setRange(0, 100);
            bar->setValue(percent);
            bar->setFormat(tr("%1% of %2").arg(percent).arg(bytes(overview.quota)));
            item->setData(UsageQuota, SortRole, u.bytes);
            item->setText(UsageQuota, bar->format());
            m_usage->setItemWidget(item, UsageQuota, bar);
        } else {
            item->setText(UsageQuota, tr("no quota"));
        }
    }
    for (const UploadedFile &f : overview.files) {
        auto *item = new Item(m_files);
        item->setText(FileOwner, f.username);
        item->setText(FileName, f.filename);
        item->setToolTip(FileName, f.id);
        item->setData(FileOwner, IdRole, f.id);
        item->setText(FileSize, bytes(f.size));
        item->setData(FileSize, SortRole, f.size);
        item->setTextAlignment(FileSize, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(FileType, f.contentType);
        item->setText(FileDate, QLocale().toString(f.created.toLocalTime(), QLocale::ShortFormat));
        item->setData(FileDate, SortRole, f.created.toMSecsSinceEpoch());
        if (f.id == selected)
            item->setSelected(true);
    }
    for (int c = 0; c < UsageColumnCount; ++c)
        m_usage->resizeColumnToContents(c);
    for (int c = 0; c < FileColumnCount; ++c) {
        if (c != FileName)
            m_files->resizeColumnToContents(c);
    }
    m_delete->setEnabled(!selectedId().isEmpty());
}

QString UploadsView::selectedId() const
{
    const QList<QTreeWidgetItem *> items = m_files->selectedItems();
    return items.isEmpty() ? QString() : items.first()->data(FileOwner, IdRole).toString();
}

bool UploadsView::deleteUpload(const QString &id, bool ask)
{
    if (id.isEmpty()) {
        m_message->setText(tr("Select a file first."));
        return false;
    }
    QString what = id;
    for (int i = 0; i < m_files->topLevelItemCount(); ++i) {
        const QTreeWidgetItem *item = m_files->topLevelItem(i);
        if (item->data(FileOwner, IdRole).toString() == id)
            what = tr("%1 (%2, uploaded by %3)").arg(item->text(FileName), item->text(FileSize), item->text(FileOwner));
    }
    if (ask && QMessageBox::question(this, tr("Delete file"),
                                     tr("Delete %1? Its link stops working for everyone it was sent to.").arg(what))
                   != QMessageBox::Yes)
        return false;
    const QString error = m_link->deleteUpload(id);
    m_message->setText(error.isEmpty() ? tr("Deleted %1.").arg(what) : tr("Could not delete: %1").arg(error));
    refresh();
    return error.isEmpty();
}

QStringList UploadsView::usageLines() const
{
    QStringList lines;
    for (int i = 0; i < m_usage->topLevelItemCount(); ++i) {
        const QTreeWidgetItem *item = m_usage->topLevelItem(i);
        lines.append(u"%1: %2 file(s), %3, %4"_s.arg(item->text(UsageUser), item->text(UsageFiles),
                                                     item->text(UsageBytes), item->text(UsageQuota)));
    }
    return lines;
}

QStringList UploadsView::fileIds() const
{
    QStringList ids;
    for (int i = 0; i < m_files->topLevelItemCount(); ++i)
        ids.append(m_files->topLevelItem(i)->data(FileOwner, IdRole).toString());
    return ids;
}

QString UploadsView::message() const
{
    return m_message->text();
}
