#include "core/QrCode.h"

#include <qrencode.h>

QrCode QrCode::encode(const QString &text)
{
    QrCode code;
    const QByteArray data = text.toUtf8();
    QRcode *qr = QRcode_encodeString(data.constData(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return code;
    code.m_size = qr->width;
    code.m_modules.reserve(qr->width * qr->width);
    for (int i = 0; i < qr->width * qr->width; ++i)
        code.m_modules.append(qr->data[i] & 1);   // bit 0: dark module
    QRcode_free(qr);
    return code;
}

bool QrCode::dark(int x, int y) const
{
    if (x < 0 || y < 0 || x >= m_size || y >= m_size)
        return false;
    return m_modules.at(y * m_size + x);
}

QStringList QrCode::terminalLines(int border) const
{
    QStringList lines;
    if (m_size == 0)
        return lines;
    // Upper half block, lower half block, full block, space — for (top, bottom) light.
    for (int y = -border; y < m_size + border; y += 2) {
        QString line;
        for (int x = -border; x < m_size + border; ++x) {
            const bool topLight = !dark(x, y);
            const bool bottomLight = !dark(x, y + 1);
            if (topLight && bottomLight)
                line += QChar(0x2588);
            else if (topLight)
                line += QChar(0x2580);
            else if (bottomLight)
                line += QChar(0x2584);
            else
                line += QLatin1Char(' ');
        }
        lines.append(line);
    }
    return lines;
}
