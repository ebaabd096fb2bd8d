#pragma once

#include <QList>
#include <QString>
#include <QStringList>

// A QR code of a text (libqrencode, error correction level M): the module matrix, for the
// console's image and the terminal's drawing.
class QrCode
{
public:
    // Empty (size() 0) if the text does not fit.
    static QrCode encode(const QString &text);

    int size() const { return m_size; }
    bool dark(int x, int y) const;      // outside the matrix: light (the quiet zone)

    // The code drawn with Unicode half blocks, two module rows per line, with a quiet zone of
    // `border` modules: dark modules are spaces and light ones blocks, so that a terminal with
    // light text on a dark background shows dark on light, as a scanner expects.
    QStringList terminalLines(int border = 2) const;

private:
    int m_size = 0;
    QList<bool> m_modules;
};
