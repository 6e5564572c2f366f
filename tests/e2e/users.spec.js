// The admin's user page: create an account, reset its password, deactivate it — and the person it
// belongs to feels each change.
const { test, expect } = require('@playwright/test');
const { signIn, shot, expectNoHorizontalScroll } = require('./helpers');

test('an admin creates an inspector who can then sign in, and deactivates them', async ({ browser }) => {
  const admin = await browser.newPage();
  await signIn(admin, 'admin');
  await expect(admin).toHaveURL('/admin/users');
  const list = admin.getByRole('region', { name: '全部用户' });
  await expect(list.getByText('王检查')).toBeVisible();

  const form = admin.getByRole('region', { name: '新建用户' });
  // A bad username is explained and nothing is created.
  await form.getByLabel('用户名').fill('1bad');
  await form.getByLabel('姓名').fill('赵六');
  await form.getByLabel('角色').selectOption({ label: '检查员' });
  await form.getByLabel('区域').selectOption({ label: '东昌府区' });
  await form.getByLabel('初始密码').fill('zhao-liu-password');
  await form.getByRole('button', { name: '创建' }).tap();
  await expect(form.getByRole('alert')).toContainText('用户名以小写字母开头');
  await expect(form.getByLabel('用户名')).toHaveAttribute('aria-invalid', 'true');

  // What was typed is still there, except the password, which never travels back.
  await expect(form.getByLabel('姓名')).toHaveValue('赵六');
  await expect(form.getByLabel('区域')).toHaveValue(/.+/);
  await expect(form.getByLabel('初始密码')).toHaveValue('');
  await form.getByLabel('用户名').fill('zhao.liu');
  await form.getByLabel('初始密码').fill('zhao-liu-password');
  await form.getByRole('button', { name: '创建' }).tap();
  await expect(form.getByRole('status')).toHaveText('用户已创建。');
  await expect(form.getByLabel('初始密码')).toHaveValue('');
  const row = list.getByRole('listitem').filter({ hasText: '赵六' });
  await expect(row).toContainText('zhao.liu');
  await expect(row).toContainText('东昌府区');
  await expect(row).toContainText('检查员');
  await expectNoHorizontalScroll(admin);
  await shot(admin, 'admin-users');

  // The new inspector signs in on their own phone.
  const ctx = await browser.newContext();
  const phone = await ctx.newPage();
  await signIn(phone, 'zhao.liu', 'zhao-liu-password');
  await expect(phone).toHaveURL('/today');

  // The admin resets the password: the inspector's session ends, the new password works.
  await row.getByLabel('新密码 · zhao.liu').fill('new-zhao-password');
  await row.getByRole('button', { name: '重置密码 zhao.liu' }).tap();
  await expect(admin.getByRole('status')).toHaveText('密码已重置，该用户需要重新登录。');
  await phone.goto('/today');
  await expect(phone).toHaveURL(/\/login/);
  await signIn(phone, 'zhao.liu', 'new-zhao-password');
  await expect(phone).toHaveURL('/today');

  // Deactivated, the inspector is signed out and cannot sign back in.
  await list.getByRole('listitem').filter({ hasText: '赵六' }).getByRole('button', { name: '停用 zhao.liu' }).tap();
  await expect(admin.getByRole('status')).toHaveText('用户已停用。');
  await expect(row).toContainText('已停用');
  await phone.goto('/today');
  await expect(phone).toHaveURL(/\/login/);
  await signIn(phone, 'zhao.liu', 'new-zhao-password');
  await expect(phone.getByRole('alert')).toHaveText('用户名或密码不正确。');
  await ctx.close();
});

test('a user changes their own password from the header and their other phone is signed out', async ({ browser }) => {
  const admin = await browser.newPage();
  await signIn(admin, 'admin');
  const form = admin.getByRole('region', { name: '新建用户' });
  await form.getByLabel('用户名').fill('qian.qi');
  await form.getByLabel('姓名').fill('钱七');
  await form.getByLabel('角色').selectOption({ label: '审核人' });
  await form.getByLabel('初始密码').fill('qian-qi-first-password');
  await form.getByRole('button', { name: '创建' }).tap();
  await expect(form.getByRole('status')).toBeVisible();

  // Signed in on two phones.
  const other = await (await browser.newContext()).newPage();
  await signIn(other, 'qian.qi', 'qian-qi-first-password');
  await expect(other).toHaveURL('/review');
  const page = await (await browser.newContext()).newPage();
  await signIn(page, 'qian.qi', 'qian-qi-first-password');
  await page.getByRole('link', { name: /我的账户/ }).tap();
  await expect(page).toHaveURL('/account');
  await expect(page.getByRole('heading', { level: 1, name: '我的账户' })).toBeVisible();

  // A wrong current password is said so, next to the field.
  await page.getByLabel('当前密码').fill('not-my-password');
  await page.getByLabel('新密码', { exact: true }).fill('qian-qi-second-password');
  await page.getByLabel('再次输入新密码').fill('qian-qi-second-password');
  await page.getByRole('button', { name: '修改密码' }).tap();
  await expect(page.getByRole('alert')).toHaveText('当前密码不正确。');
  await expect(page.getByLabel('当前密码')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('当前密码').fill('qian-qi-first-password');
  await page.getByLabel('新密码', { exact: true }).fill('qian-qi-second-password');
  await page.getByLabel('再次输入新密码').fill('qian-qi-second-password');
  await page.getByRole('button', { name: '修改密码' }).tap();
  await expect(page.getByRole('status')).toContainText('密码已修改');
  await expectNoHorizontalScroll(page);
  await shot(page, 'account-password-changed');

  // This phone stays signed in; the other one is sent to sign in again.
  await page.goto('/review');
  await expect(page).toHaveURL('/review');
  await other.goto('/review');
  await expect(other).toHaveURL(/\/login/);
  await signIn(other, 'qian.qi', 'qian-qi-second-password');
  await expect(other).toHaveURL('/review');
});
