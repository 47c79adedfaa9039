#!/bin/sh
# Installs LibreOffice (with its Python UNO bridge) and the fonts regpack needs, when missing and when
# this machine allows it (Debian/Ubuntu as root, or with sudo). Otherwise prints one line saying how.
PKGS="libreoffice-writer-nogui python3-uno libreoffice-script-provider-python fonts-crosextra-carlito fonts-crosextra-caladea fonts-noto-cjk poppler-utils"
missing=""
command -v soffice >/dev/null 2>&1 || missing="yes"
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import uno" 2>/dev/null || missing="yes"
fc-list 2>/dev/null | grep -qi carlito || missing="yes"
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="yes"
command -v pdffonts >/dev/null 2>&1 || missing="yes"
[ -z "$missing" ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"; }
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    echo "installing LibreOffice and fonts: $PKGS"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PKGS >/dev/null && exit 0
  fi
fi
echo "regpack needs LibreOffice and fonts: install them with 'apt-get install $PKGS' (Debian/Ubuntu) and run make again." >&2
exit 1
