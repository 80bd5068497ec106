# The job's after_script, which GitLab runs after a failed or cancelled script too: removes the
# private directories (depot-gitlab-job<ID>.*) this job's depot step left in TMPDIR, with every temp
# and secret file in them. Only this job's (a shell executor runs jobs side by side in one TMPDIR),
# only directories of this user, never through a symlink (find does not follow one).
depot_removed="$(find "${TMPDIR:-/tmp}" -maxdepth 1 -type d -name "depot-gitlab-job${CI_JOB_ID:-0}.*" -user "$(id -u)" -print -exec rm -rf -- {} + 2>/dev/null | wc -l)"
echo "depot cleanup: removed ${depot_removed} private director$([ "${depot_removed}" -eq 1 ] && echo y || echo ies)."
