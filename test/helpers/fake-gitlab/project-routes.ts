/**
 * Who and what: `GET /projects/:id`, the bot itself (`GET /user`), a user looked up by name
 * (`GET /users?username=`), and a user's rights on a project (`GET /projects/:id/members/all/:user_id`,
 * counted in `memberReads` so a test can bound how often the bot asks).
 */
import { json, message, notFound, str } from "./http.ts";
import { currentUser, memberObject, projectObject, userBasic } from "./objects.ts";
import type { Route, RouteContext } from "./router.ts";

function member(ctx: RouteContext) {
  ctx.state.memberReads++;
  const user = /^\d+$/.test(ctx.path.user_id ?? "") ? ctx.state.userById(Number(ctx.path.user_id)) : undefined;
  const level = user && ctx.project.members.get(user.id);
  if (!user || level === undefined) return message(404, "404 Not found");
  return json(200, memberObject(ctx.state, user, level));
}

export function projectRoutes(): Route[] {
  return [
    { method: "GET", template: "/projects/:id", handle: (ctx) => json(200, projectObject(ctx.state, ctx.project)) },
    { method: "GET", template: "/user", handle: (ctx) => json(200, currentUser(ctx.state)) },
    {
      method: "GET",
      template: "/users",
      handle(ctx) {
        const username = str(ctx.params.username);
        if (username === undefined) return json(200, []);
        const user = ctx.state.users.get(username.toLowerCase());
        return json(200, user ? [userBasic(ctx.state, user)] : []);
      },
    },
    {
      method: "GET",
      template: "/users/:user_id",
      handle(ctx) {
        const user = ctx.state.userById(Number(ctx.path.user_id));
        return user ? json(200, userBasic(ctx.state, user)) : notFound("User");
      },
    },
    { method: "GET", template: "/projects/:id/members/all/:user_id", handle: member },
    { method: "GET", template: "/projects/:id/members/:user_id", handle: member },
  ];
}
