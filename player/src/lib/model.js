// Adapters from API responses to what the pages show, tolerant of the few
// shapes a field may take (nested object or flat *_id/*_title). Pure; unit tested.

/** One entry of GET /api/v1/me/enrollments. */
export function enrollmentView(e) {
  const course = e.course || {};
  const next = e.next_lesson || null;
  return {
    courseId: e.course_id || course.id,
    title: e.course_title || course.title || 'Untitled course',
    summary: e.course_summary || course.summary || '',
    percent: percentOf(e),
    dueAt: e.due_at || null,
    status: e.status || 'active',
    nextLessonId: (next && (next.id || next.lesson_id)) || e.next_lesson_id || null,
    nextLessonTitle: (next && next.title) || e.next_lesson_title || '',
  };
}

/** One entry of GET /api/v1/courses/{id}/enrollments. */
export function enrolleeView(e) {
  const user = e.user || {};
  return {
    userId: e.user_id || user.id,
    name: e.name || e.user_name || user.name || '',
    email: e.email || e.user_email || user.email || '',
    status: e.status || 'active',
    percent: percentOf(e),
    dueAt: e.due_at || null,
    enrolledAt: e.created_at || e.enrolled_at || null,
    completedAt: e.completed_at || null,
  };
}

/** Progress percent from progress_percent | percent | progress (number) | progress.percent. */
export function percentOf(e) {
  const v = e.progress_percent ?? e.percent ?? (typeof e.progress === 'number' ? e.progress : e.progress && e.progress.percent);
  const n = Number(v);
  return Number.isFinite(n) ? Math.max(0, Math.min(100, n)) : 0;
}

/** "a, b ,, c" → ["a","b","c"] (trimmed, lower-cased, de-duplicated) for tag fields. */
export function parseTags(s) {
  return [...new Set(String(s || '').split(/[,\n]/).map((t) => t.trim().toLowerCase()).filter(Boolean))];
}

/** "admin, instructor" or a checkbox list → valid role names. */
export const ROLES = ['admin', 'instructor', 'learner', 'ops'];
export function parseRoles(list) {
  const arr = Array.isArray(list) ? list : String(list || '').split(/[\s,;|]+/);
  return ROLES.filter((r) => arr.map((x) => String(x).trim().toLowerCase()).includes(r));
}

/**
 * The per-row report of a bulk import (users or enrollments) as counts + failed rows.
 * Counts are every numeric top-level field (created, updated, enrolled, …).
 */
export function bulkReport(body) {
  const b = body || {};
  const failed = Array.isArray(b.failed) ? b.failed : Array.isArray(b.errors) ? b.errors : [];
  const counts = Object.entries(b).filter(([, v]) => typeof v === 'number').map(([k, v]) => ({ name: k.replace(/_/g, ' '), value: v }));
  return {
    counts,
    failed: failed.map((f) => ({ row: f.row ?? f.line ?? '', field: f.field ?? '', value: f.value ?? f.email ?? f.external_id ?? '', reason: f.reason || f.error || f.message || '' })),
  };
}
