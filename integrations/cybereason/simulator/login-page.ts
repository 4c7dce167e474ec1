/** The console's login page: what the server answers to a refused login and to an ended session. */
export const LOGIN_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Cybereason | Login</title>
  <link rel="stylesheet" href="/styles/login.css">
</head>
<body class="login-page">
  <form id="loginForm" method="POST" action="/login.html">
    <h1>Login</h1>
    <input type="text" name="username" autocomplete="username">
    <input type="password" name="password" autocomplete="current-password">
    <button type="submit">Login</button>
  </form>
</body>
</html>
`;

/** What a browser lands on after a successful login (when the server answers 200 instead of 302). */
export const CONSOLE_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Cybereason</title></head>
<body><div id="app"></div><a href="/logout">Log out</a></body>
</html>
`;
