#!/bin/sh
# Installs LibreOffice (with its Python UNO bridge) and the fonts regpack needs, when missing and when
# this machine allows it (Debian/Ubuntu as root, or with sudo). Otherwise prints one line saying how.
# Also, optionally, tcmalloc: LibreOffice converts with ~20% less CPU with it (see pipeline/office.py).
PKGS="libreoffice-writer-nogui python3-uno libreoffice-script-provider-python fonts-crosextra-carlito fonts-crosextra-caladea fonts-noto-cjk fonts-hanazono poppler-utils"
OPTIONAL="libtcmalloc-minimal4"
missing=""
command -v soffice >/dev/null 2>&1 || missing="yes"
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import uno" 2>/dev/null || missing="yes"
fc-list 2>/dev/null | grep -qi carlito || missing="yes"
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="yes"
# CJK Extension B (rare Hong Kong names): fonts-hanazono renders it in LibreOffice's PDF export; Noto CJK
# covers only part of it. No colour emoji font: Debian's prints blank in the PDF (LibreOffice 7.4).
fc-list ':charset=20000' 2>/dev/null | grep -q . || missing="yes"
command -v pdffonts >/dev/null 2>&1 || missing="yes"
allocator=""
TRIED="${XDG_CACHE_HOME:-$HOME/.cache}/regpack/allocator-not-installable"
/sbin/ldconfig -p 2>/dev/null | grep -q "libtcmalloc_minimal.so.4 " || [ -e "$TRIED" ] || allocator="missing"
[ -z "$missing" ] && [ -z "$allocator" ] && exit 0
SUDO=""
if command -v apt-get >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && SUDO="sudo -n"; }
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    if [ -n "$missing" ]; then
      echo "installing LibreOffice and fonts: $PKGS $OPTIONAL"
      $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PKGS >/dev/null \
        && { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $OPTIONAL >/dev/null 2>&1; exit 0; }
    else  # only the optional allocator is missing: try once, never fail the build for it
      echo "installing $OPTIONAL (faster LibreOffice)"
      { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $OPTIONAL; } >/dev/null 2>&1 \
        || { mkdir -p "$(dirname "$TRIED")" && touch "$TRIED"
             echo "note: could not install $OPTIONAL; LibreOffice runs with the system allocator"; }
      exit 0
    fi
  fi
fi
[ -z "$missing" ] && exit 0  # without root: fine, LibreOffice runs with the system allocator
echo "regpack needs LibreOffice and fonts: install them with 'apt-get install $PKGS' (Debian/Ubuntu) and run make again." >&2
exit 1
