// A course outline (modules → lessons) as the pages use it, and the moves the
// editor makes to it (drag and drop, move up/down). Every move returns a new
// outline; outlineBody gives the PUT /api/v1/courses/{id}/outline body. Pure;
// unit tested.

const arr = (v) => (Array.isArray(v) ? v : []);
const ids = (v) => arr(v).map((x) => (x && typeof x === 'object' ? x.id : x)).filter(Boolean);

/** Progress status of a lesson object as the course API may put it: "completed", {status}, or absent. */
export function lessonStatus(lesson, progress) {
  const p = progress && progress.get ? progress.get(lesson.id) : null;
  const v = (p && p.status) || lesson.progress || lesson.status;
  const s = v && typeof v === 'object' ? v.status : v;
  return s === 'in_progress' || s === 'completed' ? s : 'not_started';
}

/**
 * The modules of a course response, sorted by position, each with its lessons.
 * Accepts course.modules or course.outline(.modules); prerequisites as ids or objects.
 */
export function modulesOf(course) {
  if (!course) return [];
  let mods = course.modules || course.outline;
  if (mods && !Array.isArray(mods)) mods = mods.modules;
  const byPos = (a, b) => (a.position ?? 0) - (b.position ?? 0);
  return arr(mods).slice().sort(byPos).map((m) => ({
    ...m,
    prerequisites: ids(m.prerequisites),
    lessons: arr(m.lessons).slice().sort(byPos).map((l) => ({ ...l, prerequisites: ids(l.prerequisites) })),
  }));
}

/** Lessons in course order, each with moduleId. */
export function flatLessons(modules) {
  return modules.flatMap((m) => m.lessons.map((l) => ({ ...l, moduleId: m.id })));
}

/** Where a lesson is: {mi, li} or null. */
export function findLesson(modules, lessonId) {
  for (let mi = 0; mi < modules.length; mi++) {
    const li = modules[mi].lessons.findIndex((l) => l.id === lessonId);
    if (li >= 0) return { mi, li };
  }
  return null;
}

/**
 * Move a lesson to module toModuleId at index toIndex (in that module's list
 * as it is after the lesson is taken out). Out-of-range indexes clamp.
 */
export function moveLesson(modules, lessonId, toModuleId, toIndex) {
  const at = findLesson(modules, lessonId);
  const target = modules.findIndex((m) => m.id === toModuleId);
  if (!at || target < 0) return modules;
  const lesson = modules[at.mi].lessons[at.li];
  const next = modules.map((m) => ({ ...m, lessons: m.lessons.filter((l) => l.id !== lessonId) }));
  const list = next[target].lessons;
  const i = Math.max(0, Math.min(list.length, toIndex));
  list.splice(i, 0, lesson);
  return next;
}

/**
 * Keyboard move by one place (dir -1 up, +1 down). At a module's edge the
 * lesson goes to the end of the previous module / the start of the next one.
 */
export function stepLesson(modules, lessonId, dir) {
  const at = findLesson(modules, lessonId);
  if (!at) return modules;
  const n = modules[at.mi].lessons.length;
  if (dir < 0) {
    if (at.li > 0) return moveLesson(modules, lessonId, modules[at.mi].id, at.li - 1);
    if (at.mi > 0) return moveLesson(modules, lessonId, modules[at.mi - 1].id, modules[at.mi - 1].lessons.length);
  } else {
    if (at.li < n - 1) return moveLesson(modules, lessonId, modules[at.mi].id, at.li + 1);
    if (at.mi < modules.length - 1) return moveLesson(modules, lessonId, modules[at.mi + 1].id, 0);
  }
  return modules;
}

/** Move a module to index toIndex (clamped). */
export function moveModule(modules, moduleId, toIndex) {
  const from = modules.findIndex((m) => m.id === moduleId);
  if (from < 0) return modules;
  const next = modules.slice();
  const [m] = next.splice(from, 1);
  next.splice(Math.max(0, Math.min(next.length, toIndex)), 0, m);
  return next;
}

/**
 * The index a dragged item lands at when dropped on item overIndex of a list,
 * in the upper (before=true) or lower half, given where it came from in the
 * same list (fromIndex, or -1 from elsewhere): the index in the list without
 * the dragged item, as moveLesson/moveModule take it.
 */
export function dropIndex(fromIndex, overIndex, before) {
  let i = before ? overIndex : overIndex + 1;
  if (fromIndex >= 0 && fromIndex < i) i--;
  return i;
}

/** PUT /api/v1/courses/{id}/outline body. */
export function outlineBody(modules) {
  return { modules: modules.map((m) => ({ id: m.id, lessons: m.lessons.map((l) => l.id) })) };
}

/** Same order? (to skip saving a drop that changed nothing) */
export function sameOrder(a, b) {
  return JSON.stringify(outlineBody(a)) === JSON.stringify(outlineBody(b));
}

/** The lesson after lessonId in course order, or null. */
export function nextLesson(modules, lessonId) {
  const flat = flatLessons(modules);
  const i = flat.findIndex((l) => l.id === lessonId);
  return i >= 0 && i < flat.length - 1 ? flat[i + 1] : null;
}

/** The lesson to continue with: the first not completed and not locked, else the first. */
export function resumeLesson(modules, progress) {
  const flat = flatLessons(modules);
  return flat.find((l) => lessonStatus(l, progress) !== 'completed' && !isLocked(l, progress)) || flat[0] || null;
}

/** Locked for this learner? (the course API's locked flag, on the lesson or in the progress map) */
export function isLocked(lesson, progress) {
  const p = progress && progress.get ? progress.get(lesson.id) : null;
  if (p && typeof p.locked === 'boolean') return p.locked;
  return lesson.locked === true;
}

/**
 * GET /courses/{id}/progress as a Map lesson_id → {status, locked}, plus the
 * course percent. Accepts lessons as an array [{lesson_id|id, status, locked}]
 * or an object keyed by lesson id.
 */
export function progressOf(body) {
  const map = new Map();
  if (!body) return { percent: 0, lessons: map, completedAt: null };
  const ls = body.lessons || body.progress || [];
  if (Array.isArray(ls)) {
    for (const l of ls) map.set(l.lesson_id || l.id, { status: l.status || 'not_started', locked: !!l.locked });
  } else if (ls && typeof ls === 'object') {
    for (const [id, l] of Object.entries(ls)) map.set(id, typeof l === 'string' ? { status: l, locked: false } : { status: l.status, locked: !!l.locked });
  }
  const percent = Number(body.percent ?? body.progress_percent ?? (typeof body.progress === 'number' ? body.progress : 0)) || 0;
  return { percent, lessons: map, completedAt: body.completed_at || null };
}
