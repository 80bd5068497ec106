// GitLab's collapsible log sections: a line `ESC[0Ksection_start:<unix time>:<name>[collapsed=true]
// CR ESC[0K<heading>` opens one and `ESC[0Ksection_end:<unix time>:<name> CR ESC[0K` closes it; the
// name may hold letters, digits, `_`, `.` and `-` only, and must match at both ends.
// https://docs.gitlab.com/ci/jobs/job_logs/#custom-collapsible-sections

const CLEAR = '\x1b[0K';

/** A section name GitLab accepts, unique within the job through `n`. */
export const sectionName = (n: number, title: string): string =>
  `depot_${n}_${title
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)}`;

const now = (): number => Math.floor(Date.now() / 1000);

/** The line that opens a section (collapsed when the job log is first shown). */
export const sectionStart = (name: string, heading: string, collapsed = false): string =>
  `${CLEAR}section_start:${now()}:${name}${collapsed ? '[collapsed=true]' : ''}\r${CLEAR}${heading.replace(/[\r\n]+/g, ' ')}`;

/** The line that closes a section. */
export const sectionEnd = (name: string): string => `${CLEAR}section_end:${now()}:${name}\r${CLEAR}`;
