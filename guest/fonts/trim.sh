#!/usr/bin/env bash
# Trims DejaVu Sans (Debian's fonts-dejavu-core) to the characters an invoice needs, for
# embedding in the component: Basic Latin, Latin-1, Latin Extended-A and -B (every Sami,
# Polish, Lithuanian and Turkish letter), general punctuation and currency signs, ✓ ✗ ≤ ≥ and
# the replacement mark U+FFFD. Hinting and layout tables go (the PDF needs outlines and
# advances only). Run by hand when the ranges change; the output is committed.
# Needs: pip install fonttools; apt-get install fonts-dejavu-core.
set -euo pipefail
cd "$(dirname "$0")"
SRC=${DEJAVU_DIR:-/usr/share/fonts/truetype/dejavu}
RANGES="U+0020-007E,U+00A0-024F,U+2010-2027,U+2030,U+2039-203A,U+20AC,U+2116,U+2122,U+2212,U+2264-2265,U+2713,U+2717,U+FFFD"
for face in DejaVuSans DejaVuSans-Bold; do
  pyftsubset "$SRC/$face.ttf" --unicodes="$RANGES" --output-file="$face.ttf" \
    --no-hinting --layout-features='' --name-IDs='0,1,2,3,4,5,6' --notdef-outline --drop-tables+=FFTM
done
zcat -f /usr/share/doc/fonts-dejavu-core/copyright > LICENSE.DejaVu 2>/dev/null || true
ls -l ./*.ttf
