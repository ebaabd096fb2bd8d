#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QSet>
#include <QString>

#include <algorithm>

// A table of value rows kept sorted by a string key, updated from a fresh list of rows without
// a reset: rows that went are removed in contiguous blocks, new ones inserted in blocks where
// they sort, and changed ones reported with one dataChanged per contiguous range — so views
// keep their selection and scroll position while the rows change underneath.
template<class Row>
class KeyedTableModel : public QAbstractTableModel
{
public:
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    const Row *rowAt(int row) const { return row >= 0 && row < m_rows.size() ? &m_rows[row] : nullptr; }
    // -1 when absent (binary search).
    int rowOf(const QString &key) const
    {
        const auto it = std::lower_bound(m_rows.cbegin(), m_rows.cend(), key,
                                         [this](const Row &r, const QString &k) { return keyOf(r) < k; });
        return it != m_rows.cend() && keyOf(*it) == key ? int(it - m_rows.cbegin()) : -1;
    }

protected:
    virtual QString keyOf(const Row &row) const = 0;
    virtual bool sameDisplay(const Row &a, const Row &b) const = 0;

    void applyRows(QList<Row> rows)
    {
        std::sort(rows.begin(), rows.end(), [this](const Row &a, const Row &b) { return keyOf(a) < keyOf(b); });
        QSet<QString> keep;
        for (const Row &r : rows)
            keep.insert(keyOf(r));
        // Removals, from the end, a block at a time.
        for (int i = int(m_rows.size()) - 1; i >= 0;) {
            if (keep.contains(keyOf(m_rows[i]))) {
                --i;
                continue;
            }
            const int last = i;
            while (i >= 0 && !keep.contains(keyOf(m_rows[i])))
                --i;
            beginRemoveRows(QModelIndex(), i + 1, last);
            m_rows.remove(i + 1, last - i);
            endRemoveRows();
        }
        // Every row left is in `rows`, and both are sorted: walk them together.
        int changedFirst = -1, changedLast = -1;
        auto flushChanged = [&] {
            if (changedFirst >= 0)
                Q_EMIT dataChanged(index(changedFirst, 0), index(changedLast, columnCount() - 1));
            changedFirst = changedLast = -1;
        };
        int r = 0;
        for (int j = 0; j < rows.size();) {
            if (r < m_rows.size() && keyOf(m_rows[r]) == keyOf(rows[j])) {
                if (!sameDisplay(m_rows[r], rows[j])) {
                    m_rows[r] = rows[j];
                    if (changedLast != r - 1)
                        flushChanged();
                    if (changedFirst < 0)
                        changedFirst = r;
                    changedLast = r;
                }
                ++r, ++j;
                continue;
            }
            const int first = j;
            while (j < rows.size() && (r >= m_rows.size() || keyOf(rows[j]) < keyOf(m_rows[r])))
                ++j;
            flushChanged();
            beginInsertRows(QModelIndex(), r, r + (j - first) - 1);
            for (int k = first; k < j; ++k)
                m_rows.insert(r + (k - first), rows[k]);
            endInsertRows();
            r += j - first;
        }
        flushChanged();
    }

    QList<Row> m_rows;
};
