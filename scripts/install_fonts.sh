#!/usr/bin/env bash
# The Cyrillic font the PDF documents (invoices, acts, reconciliation statements) are drawn
# with: Debian's fonts-dejavu-core. Installed if missing; apt needs root.
set -euo pipefail

if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ]; then
    echo "• installing fonts-dejavu-core (PDF documents)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core) >/dev/null
fi
