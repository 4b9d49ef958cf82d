#!/usr/bin/env bash
# test_verify.sh: gameday verify end to end, on archives made by the real tools
# (tar, gzip, zstd, xz, zip) with manifests made by sha256sum.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

for t in tar gzip zstd xz zip sha256sum python3; do
	command -v $t >/dev/null || { bad "$t is not installed"; finish; }
done
cd "$T"

# the backed-up tree: text, binary, a symlink, a hard link, odd names
mkdir -p src/etc src/var/lib src/empty.d
printf '127.0.0.1 localhost\n' >src/etc/hosts
echo hello >src/etc/motd
ln -s motd src/etc/motd.link
ln src/etc/motd src/etc/motd.hard
head -c 3000000 /dev/urandom >src/var/lib/data.bin
seq 1 200000 >src/var/lib/numbers.txt
echo spaced >"src/var/with space.txt"
echo utf8 >"src/var/café.txt"
printf 'x\n' >"src/var/new
line"
(cd src && find . -type f -exec sha256sum {} + >../SUMS)
check "sha256sum escapes the newline name" grep -q '^\\' SUMS

echo "-- good archives, every format, a manifest of files"
tar -cf good.tar -C src .
tar -czf good.tar.gz -C src .
tar --zstd -cf good.tar.zst -C src .
tar -cJf good.tar.xz -C src .
(cd src && zip -qry ../good.zip .)
for a in good.tar good.tar.gz good.tar.zst good.tar.xz good.zip; do
	run_cmd $O $E "$GD" verify $a --manifest SUMS
	expect_rc "$a verifies against sha256sum's manifest" 0
	expect_in "$a: says verified" $O "$a: verified (every file's hash)"
done
expect_in "zip: its symlink is not counted as a file" $O "manifest SUMS: 8 files: 0 mismatched, 0 missing, 0 extra"
run_cmd $O $E "$GD" verify good.tar.gz -m SUMS --threads 1
expect_rc "one thread verifies too" 0
(cd src && sha256sum --tag etc/hosts etc/motd etc/motd.hard var/lib/* var/with\ space.txt var/café.txt "var/new
line" >../TAGS)
run_cmd $O $E "$GD" verify good.tar.xz -m TAGS
expect_rc "a manifest of sha256sum --tag" 0

echo "-- a manifest of whole archives"
sha256sum good.tar.gz good.tar.zst >SHA256SUMS
run_cmd $O $E "$GD" verify good.tar.zst -m SHA256SUMS
expect_rc "sha256sum *.tar.* > SHA256SUMS" 0
expect_in "hash of the whole archive" $O "good.tar.zst: verified (hash of the whole archive)"
sha256sum <good.zip >good.zip.sha256
run_cmd $O $E "$GD" verify good.zip -m good.zip.sha256
expect_rc "sha256sum < A (named -)" 0
sha256sum good.tar.gz | sed 's/good.tar.gz/good.tar.xz/' >OTHER
run_cmd $O $E "$GD" verify good.tar.xz -m OTHER
expect_rc "another archive's hash" 1
expect_in "says the hash differs" $O "good.tar.xz: NOT verified: the archive's hash differs from the manifest's"

echo "-- no manifest: hashes on stdout, as sha256sum writes them"
run_cmd $O $E "$GD" verify good.tar.gz
expect_rc "structure only" 0
expect_in "summary on stderr" $E "good.tar.gz: verified (structure and compression checks; no manifest)"
expect_in "the archive's own hash" $E "good.tar.gz: sha256 of the archive $(sha256sum <good.tar.gz | cut -d' ' -f1)"
check "sha256sum -c accepts the listing" bash -c "cd src && sha256sum --quiet -c $O"
cp $O LISTED
run_cmd $O $E "$GD" verify good.tar.gz -m LISTED
expect_rc "the listing is a manifest" 0
cat good.tar.gz | "$GD" verify - -m SUMS >$O 2>$E
RC=$?
expect_rc "from stdin" 0

echo "-- mismatches: exit 1"
sed "s|^[0-9a-f]\{64\}  \./etc/hosts$|$(printf '%064d' 0)  ./etc/hosts|" SUMS >BAD
run_cmd $O $E "$GD" verify good.tar.gz -m BAD
expect_rc "a changed hash" 1
expect_in "names the mismatched file" $O "mismatched etc/hosts"
expect_in "says not verified" $O "good.tar.gz: NOT verified"
(cat SUMS; echo "$(printf '%064d' 1)  ./etc/shadow") >MORE
run_cmd $O $E "$GD" verify good.tar.gz -m MORE
expect_rc "a file missing from the archive" 1
expect_in "names the missing file" $O "missing    etc/shadow"
grep -v numbers.txt SUMS >LESS
run_cmd $O $E "$GD" verify good.tar.gz -m LESS
expect_rc "a file missing from the manifest" 1
expect_in "names the extra file" $O "extra      var/lib/numbers.txt"
tar -czf none.tar.gz -T /dev/null
run_cmd $O $E "$GD" verify none.tar.gz
expect_rc "an empty archive is a failed backup" 1
expect_in "says so" $E "none.tar.gz: NOT verified: no entries (an empty backup is a failed backup)"

echo "-- broken archives: exit 2, naming where"
head -c $(( $(stat -c %s good.tar.gz) / 2 )) good.tar.gz >cut.tar.gz
run_cmd $O $E "$GD" verify cut.tar.gz -m SUMS
expect_rc "truncated gzip" 2
expect_in "truncated, and where" $E "gameday: cut.tar.gz: "
expect_in "truncated gzip input" $E "truncated gzip input"
cp good.tar.gz flip.tar.gz
python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(-7,2); b=f.read(1); f.seek(-7,2); f.write(bytes([b[0]^1]))' flip.tar.gz
run_cmd $O $E "$GD" verify flip.tar.gz
expect_rc "a flipped byte in the gzip CRC" 2
expect_in "the CRC says so" $E "the compressed data is corrupt"
cp good.tar.zst flip.tar.zst
python3 -c 'import sys,os; f=open(sys.argv[1],"r+b"); n=os.path.getsize(sys.argv[1]); f.seek(n//2); b=f.read(1); f.seek(n//2); f.write(bytes([b[0]^0x40]))' flip.tar.zst
run_cmd $O $E "$GD" verify flip.tar.zst
expect_rc "a flipped byte in zstd data" 2
head -c $(( $(stat -c %s good.tar.xz) - 20 )) good.tar.xz >cut.tar.xz
run_cmd $O $E "$GD" verify cut.tar.xz
expect_rc "truncated xz" 2
head -c $(( $(stat -c %s good.zip) / 2 )) good.zip >cut.zip
run_cmd $O $E "$GD" verify cut.zip
expect_rc "truncated zip" 2
: >zero.tar.gz
run_cmd $O $E "$GD" verify zero.tar.gz
expect_rc "an empty file" 2
expect_in "says it is empty" $E "zero.tar.gz: an empty file (0 bytes): not an archive"
run_cmd $O $E "$GD" verify SUMS
expect_rc "not an archive" 2
expect_in "says what it is not" $E "SUMS: not a tar or zip archive"
run_cmd $O $E "$GD" verify nosuch.tar.gz
expect_rc "no such file" 2
expect_in "says why" $E "cannot open nosuch.tar.gz: No such file or directory"

echo "-- hostile archives: refused, naming the entry"
mkdir -p h/d && cd h
echo owned >evil && echo x >f && echo a >a && ln a b
ln -s ../../outside d/link
tar -cPf ../dotdot.tar ../h/evil 2>/dev/null
tar -cPf ../abs.tar "$T/h/evil" 2>/dev/null
tar -cf ../sym.tar d/link && tar -rf ../sym.tar --transform='s|^f$|d/link/f|' f
tar -cPf ../hard.tar --transform='flags=h;s|^a$|../../etc/passwd|' a b
tar -cf ../dev.tar -C / dev/null
mkfifo fifo && tar -cf ../fifo.tar fifo
cd ..
run_cmd $O $E "$GD" verify dotdot.tar
expect_rc "path traversal" 2
expect_in "names ../h/evil" $E "gameday: dotdot.tar: ../h/evil: path leaves the archive root"
run_cmd $O $E "$GD" verify abs.tar
expect_rc "absolute path" 2
expect_in "names the absolute path" $E "gameday: abs.tar: $T/h/evil: absolute path"
run_cmd $O $E "$GD" verify sym.tar
expect_rc "symlink out, then a write through it" 2
expect_in "names the link" $E "gameday: sym.tar: d/link: symlink to ../../outside leads outside the archive root"
run_cmd $O $E "$GD" verify hard.tar
expect_rc "hard link out" 2
expect_in "names the hard link" $E "gameday: hard.tar: b: hard link to ../../etc/passwd"
run_cmd $O $E "$GD" verify dev.tar
expect_rc "device node" 2
expect_in "names the device" $E "gameday: dev.tar: dev/null: character device"
run_cmd $O $E "$GD" verify fifo.tar
expect_rc "fifo" 2
expect_in "names the fifo" $E "gameday: fifo.tar: fifo: fifo"
# where tar -x in $T would have written them: verify reads, it never extracts
check "nothing written, in the archive root or out of it" test ! -e "$T/../h/evil" -a ! -e "$T/../outside" \
	-a ! -e "$T/d" -a ! -e "$T/b" -a ! -e "$T/dev" -a ! -e "$T/fifo"

truncate -s 300M zeros.img
tar -czf bomb.tar.gz zeros.img && rm zeros.img
run_cmd $O $E "$GD" verify bomb.tar.gz
expect_rc "a bomb by ratio ($(stat -c %s bomb.tar.gz) bytes for 300 MiB)" 2
expect_in "names the entry and the ratio" $E "gameday: bomb.tar.gz: zeros.img: compression ratio over 200:1"
run_cmd $O $E "$GD" verify bomb.tar.gz --max-ratio 0 --max-entry-bytes 100M
expect_rc "the per-entry budget" 2
expect_in "refused before reading" $E "zeros.img: 314572800 bytes, over the per-entry budget of 104857600"
run_cmd $O $E "$GD" verify bomb.tar.gz --max-ratio 0
expect_rc "no ratio limit: the zeros verify" 0
mkdir sparse && truncate -s 300M sparse/disk.img
echo data | dd of=sparse/disk.img bs=1 seek=100000000 conv=notrunc 2>/dev/null
(cd sparse && sha256sum disk.img >../SPARSE)
tar --sparse -czf sparse.tar.gz -C sparse . && rm -r sparse
run_cmd $O $E "$GD" verify sparse.tar.gz -m SPARSE
expect_rc "a sparse file: holes are zeros, and no bomb" 0
run_cmd $O $E "$GD" verify good.tar.gz --max-entries 3
expect_rc "too many entries" 2
expect_in "names the 4th" $E "entry 4, over the budget of 3 entries (--max-entries)"
run_cmd $O $E "$GD" verify good.tar.gz --max-bytes 1M
expect_rc "total budget" 2
expect_in "says which budget" $E "(--max-bytes)"

echo "-- --json"
run_cmd $O $E "$GD" verify good.tar.gz -m BAD --json
expect_rc "--json with a mismatch" 1
check "json shape" python3 - $O <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
for k in ("archive", "entries", "bytes", "files", "missing", "extra", "mismatched",
          "refused", "error", "status"):
    assert k in j, k
assert j["status"] == "mismatch" and j["mismatched"] == ["etc/hosts"], j
assert j["refused"] is None and j["error"] is None
f = {x["path"]: x for x in j["files"]}
assert f["etc/motd"]["status"] == "ok" and len(f["etc/motd"]["sha256"]) == 64
assert f["etc/motd"]["size"] == 6 and f["etc/motd"]["type"] == "file"
assert f["etc/motd.link"]["type"] == "symlink" and f["etc/motd.link"]["link"] == "motd"
assert f["etc/hosts"]["status"] == "mismatch"
assert "var/café.txt" in f and "var/new\nline" in f
assert sum(1 for x in j["files"] if x["type"] in ("file", "hardlink")) == 8
EOF
run_cmd $O $E "$GD" verify sym.tar --json
expect_rc "--json of a refusal" 2
check "refusal in json" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["status"] == "refused", j
assert j["refused"]["entry"] == "d/link", j
assert "leads outside" in j["refused"]["reason"] and "d/link" in j["error"]' $O
run_cmd $O $E "$GD" verify cut.tar.gz --json
expect_rc "--json of a truncated archive" 2
check "error in json" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["status"] == "error" and j["refused"] is None and "truncated" in j["error"], j' $O

echo "-- usage"
run_cmd $O $E "$GD" verify --help
expect_rc "--help" 0
expect_in "help teaches manifests" $O "find . -type f -exec sha256sum {} +"
expect_in "help has exit codes" $O "exit status:"
run_cmd $O $E "$GD" verify
expect_rc "no archive" 2
(cd /tmp && sha256sum "$T/src/etc/motd") >ABS
run_cmd $O $E "$GD" verify good.tar.gz -m ABS
expect_rc "a manifest of absolute paths" 2
expect_in "says why" $E "ABS: line 1: absolute path"
run_cmd $O $E "$GD" verify good.tar.gz --max-bytes lots
expect_rc "a bad size" 2

cd /
finish
