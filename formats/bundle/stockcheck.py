"""What lets a recipient check a bundle with stock tools alone: SHA256SUMS, its signature and a
README.txt in Russian, English, German and French (docs/FORMAT.md Part II).

SHA256SUMS lists every other member in `sha256sum` format and is signed like the manifest
(SSHSIG, namespace papka-bundle-v1), so `ssh-keygen -Y verify` and `sha256sum -c` together
check every byte of an opened bundle. README.txt holds the signer's public key and the commands,
and asks the reader to compare the key's fingerprint with the sender by phone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from papka.formats.bundle.errors import ManifestError
from papka.formats.bundle.sshsig import NAMESPACE

#: The commands, as printed in README.txt; tests run them as they stand.
CHECK_COMMANDS = (
    "printf 'sender %s\\n' \"$(cat sender.pub)\" > allowed_signers\n"
    f"ssh-keygen -Y verify -f allowed_signers -I sender -n {NAMESPACE} "
    "-s SHA256SUMS.sig < SHA256SUMS\n"
    "sha256sum -c SHA256SUMS\n"
)
_LINE = re.compile(r"([0-9a-f]{64})  ([^\n]+)")


def checksums(hashes: Mapping[str, str]) -> bytes:
    """`sha256sum` output for the given members, in the given order."""
    return "".join(f"{digest}  {name}\n" for name, digest in hashes.items()).encode("utf-8")


def parse_checksums(data: bytes) -> dict[str, str]:
    """Member name to SHA-256, from a SHA256SUMS made by :func:`checksums`; refuses anything
    else (a duplicate, an odd line, a name with a control character)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ManifestError("The bundle's checksum list is malformed.") from None
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.fullmatch(line)
        if match is None or match.group(2) in found or any(ord(c) < 32 for c in line):
            raise ManifestError("The bundle's checksum list is malformed.")
        found[match.group(2)] = match.group(1)
    return found


def readme(signer_openssh: str, fingerprint: str) -> bytes:
    """README.txt: what the bundle is and how to check it, in four languages."""
    commands = "".join(f"    {line}\n" for line in CHECK_COMMANDS.splitlines())
    key = f"    {signer_openssh}\n"
    sections = [
        ("Что это", f"""\
Это пакет документов, подписанный и зашифрованный программой papka.
Проверить его можно стандартными программами (ssh-keygen и sha256sum), без papka.

1. Сохраните ключ отправителя в файл sender.pub (одна строка):
{key}2. Выполните `ssh-keygen -lf sender.pub`, позвоните отправителю и сравните
   отпечаток с тем, что показывает у него `papka identity`. Должно быть:
    {fingerprint}
3. В этой папке выполните:
{commands}   Первая проверка должна сказать «Good "papka-bundle-v1" signature», вторая — «OK»
   для каждого файла. Если что-то не так, не полагайтесь на эти файлы.
"""),
        ("What this is", f"""\
A bundle of documents, signed and encrypted by papka. You can check it with
standard tools (ssh-keygen and sha256sum), without papka.

1. Save the sender's key in a file named sender.pub (one line):
{key}2. Run `ssh-keygen -lf sender.pub`, call the sender and compare the fingerprint
   with what `papka identity` shows him. It must be:
    {fingerprint}
3. In this folder, run:
{commands}   The first check must say 'Good "papka-bundle-v1" signature', the second 'OK' for
   every file. If not, do not rely on these files.
"""),
        ("Was das ist", f"""\
Ein mit papka signiertes und verschlüsseltes Dokumentenpaket. Es lässt sich mit
Standardwerkzeugen (ssh-keygen und sha256sum) ohne papka prüfen.

1. Speichern Sie den Schlüssel des Absenders in einer Datei sender.pub (eine Zeile):
{key}2. Führen Sie `ssh-keygen -lf sender.pub` aus, rufen Sie den Absender an und
   vergleichen Sie den Fingerabdruck mit dem, den `papka identity` ihm zeigt:
    {fingerprint}
3. Führen Sie in diesem Ordner aus:
{commands}   Die erste Prüfung muss 'Good "papka-bundle-v1" signature' melden, die zweite 'OK'
   für jede Datei. Sonst verlassen Sie sich nicht auf diese Dateien.
"""),
        ("Qu'est-ce que c'est", f"""\
Un dossier de documents signé et chiffré par papka. Vous pouvez le vérifier avec
des outils standard (ssh-keygen et sha256sum), sans papka.

1. Enregistrez la clé de l'expéditeur dans un fichier sender.pub (une ligne) :
{key}2. Lancez `ssh-keygen -lf sender.pub`, appelez l'expéditeur et comparez
   l'empreinte avec celle que `papka identity` lui affiche. Elle doit valoir :
    {fingerprint}
3. Dans ce dossier, lancez :
{commands}   La première vérification doit afficher 'Good "papka-bundle-v1" signature', la
   seconde 'OK' pour chaque fichier. Sinon, ne vous fiez pas à ces fichiers.
"""),
    ]
    text = "\n".join(f"== {title} ==\n\n{body}" for title, body in sections)
    return text.encode("utf-8")
