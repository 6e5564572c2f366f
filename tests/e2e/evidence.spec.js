// Photo evidence on a phone: start a check at the shop from "nearest to me", take two photos over a
// slow uplink, watch them upload, and open the evidence of the one whose GPS says it was taken far away.
// That one is a 12 MP original held sideways: the phone turns it upright, downscales it to 1600 px and
// sends the EXIF it read from the original along.
const { test, expect } = require('@playwright/test');
const crypto = require('crypto');
const fs = require('fs');
const { signIn, shot, expectNoHorizontalScroll, photoTakenAgo } = require('./helpers');

async function startCheckAtShop(page) {
  await signIn(page, 'inspector');
  await page.getByRole('button', { name: '按我的位置排序' }).tap();
  await expect(page).toHaveURL(/lat=/);
  await page.getByRole('button', { name: '开始检查 恒洁卫浴（金柱店）' }).tap();
  await expect(page).toHaveURL(/\/checks\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name: '恒洁卫浴（金柱店）' })).toBeVisible();
  // The capture island's code is fetched after the page (a lazy island): wait until it has woken up.
  await page.waitForLoadState('networkidle');
}

test('an inspector photographs a shop and the far photo is flagged in the viewer', async ({ page }) => {
  await startCheckAtShop(page);

  // A 750 kbit/s uplink, as on weak 4G: each photo takes a couple of seconds, with visible progress.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 150, downloadThroughput: 1_500_000 / 8, uploadThroughput: 750_000 / 8,
  });
  const atShop = photoTakenAgo('photo-at-shop.jpg');
  const farPhoto = photoTakenAgo('photo-far.jpg');
  await page.getByLabel('拍照').setInputFiles([atShop.file, farPhoto.file]);
  await expect(page.getByRole('progressbar').first()).toBeVisible();
  await shot(page, 'uploading');
  const uploaded = page.getByRole('link', { name: '已上传' });
  await expect(uploaded).toHaveCount(2, { timeout: 20_000 });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
  });
  await expectNoHorizontalScroll(page);

  // The photos are now part of the check.
  await page.reload();
  await expect(page.getByRole('list', { name: '照片' }).getByRole('listitem')).toHaveCount(2);
  await shot(page, 'inspection');

  // Open each photo; the far one's own GPS puts it about 2 km from the shop, the other's does not,
  // and the one taken at the shop a minute ago has nothing to look at.
  const links = page.getByRole('list', { name: '照片' }).getByRole('link', { name: '查看照片' });
  const far = [];
  for (let i = 0; i < 2; i++) {
    await links.nth(i).tap();
    await expect(page.getByRole('heading', { level: 1, name: '照片证据' })).toBeVisible();
    far.push(await page.getByText('照片自带的 GPS 位置不在网点范围内').count());
    if (far[i] === 0) {
      await expect(page.getByText('未发现异常。')).toBeVisible();
      await expect(page.getByText(atShop.shown)).toBeVisible();
    }
    await page.goBack();
    await expect(page.getByRole('list', { name: '照片' })).toBeVisible();
  }
  expect(far.filter((n) => n > 0)).toHaveLength(1);
  await links.nth(far.findIndex((n) => n > 0)).tap();
  const flags = page.getByRole('list', { name: '需要注意' });
  await expect(flags).toContainText('照片自带的 GPS 位置不在网点范围内');
  await expect(flags).toContainText(/距网点（米）：(19|20)\d\d/);
  await expect(page.getByText('HUAWEI Mate 60')).toBeVisible();
  // Downscaled on the phone: upright, 1600 px on the long edge, well under a megabyte; the facts
  // above came from the original, and the viewer says so.
  await expect(page.getByText(/image\/jpeg · 0\.\d MB · 1200×1600/)).toBeVisible();
  await expect(page.getByText('由手机在压缩前从原图读取')).toBeVisible();
  // The original's fingerprint, computed on the phone, is the file's own.
  const originalSha = crypto.createHash('sha256').update(fs.readFileSync(farPhoto.file)).digest('hex');
  await expect(page.getByText(originalSha)).toBeVisible();
  await expect(page.getByText(farPhoto.shown)).toBeVisible();
  // Taken a minute before it arrived: no flag about its age.
  await expect(flags).not.toContainText('服务器收到时间');
  // The phone's fix carries the time it was measured.
  await expect(page.getByRole('term').filter({ hasText: '定位时间' })).toBeVisible();
  await expect(page.getByRole('img', { name: /照片证据/ })).toBeVisible();
  // Each value has the screen's width: a time stays on one line instead of wrapping word by word.
  const time = page.getByRole('definition').filter({ hasText: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/ }).first();
  const box = await time.boundingBox();
  expect(box.width).toBeGreaterThan(250);
  expect(box.height).toBeLessThan(40);
  await expectNoHorizontalScroll(page);
  await shot(page, 'viewer');
});

test('a photo taken with no connection uploads by itself, once, when the connection returns', async ({ page, context }) => {
  await startCheckAtShop(page);
  await context.setOffline(true);
  await page.getByLabel('拍照').setInputFiles([photoTakenAgo('photo-at-shop.jpg').file]);
  // The phone says what is happening instead of failing.
  await expect(page.getByText('网络中断，稍后自动重试…')).toBeVisible();
  await shot(page, 'upload-offline');
  // The page does not claim there are no photos while one is on its way.
  await expect(page.getByText('还没有照片')).toBeHidden();
  await page.waitForTimeout(2_500); // at least one retry, still without a connection
  await expect(page.getByText('网络中断，稍后自动重试…')).toBeVisible();
  await context.setOffline(false);
  await expect(page.getByRole('link', { name: '已上传' })).toHaveCount(1, { timeout: 20_000 });
  // Stored once, however many times it was tried.
  await page.reload();
  await expect(page.getByRole('list', { name: '照片' }).getByRole('listitem')).toHaveCount(1);
});

test('a chosen photo shows at once while the position is still coming, then uploads with it', async ({ page }) => {
  // The phone takes its time to find a fix (as indoors, up to 15 s): held here until released.
  await page.addInitScript(() => {
    const geo = navigator.geolocation;
    const ask = geo.getCurrentPosition.bind(geo);
    geo.getCurrentPosition = (ok, err, opts) => {
      const wait = () => (window.__holdFix ? setTimeout(wait, 100) : ask(ok, err, opts));
      wait();
    };
  });
  await startCheckAtShop(page);
  await page.evaluate(() => { window.__holdFix = true; });
  await page.getByLabel('拍照').setInputFiles([photoTakenAgo('photo-at-shop.jpg').file]);
  // The photo is on the list with its picture before any position is known.
  const item = page.locator('.upload-list li');
  await expect(item.locator('img.upload-thumb')).toBeVisible();
  await expect(item.getByText('正在定位…')).toBeVisible();
  await shot(page, 'upload-waiting-for-fix');
  await expectNoHorizontalScroll(page);
  await page.evaluate(() => { window.__holdFix = false; });
  await expect(page.getByRole('link', { name: '已上传' })).toHaveCount(1, { timeout: 20_000 });
  // It carries the position that came.
  await page.getByRole('link', { name: '已上传' }).tap();
  await expect(page.getByRole('term').filter({ hasText: '定位时间' })).toBeVisible();
});

test('retries stop after a while and the photo waits, kept, for a tap to retry', async ({ page, context }) => {
  await page.clock.install();
  await startCheckAtShop(page);
  await context.setOffline(true);
  await page.getByLabel('拍照').setInputFiles([photoTakenAgo('photo-at-shop.jpg').file]);
  await expect(page.getByText('网络中断，稍后自动重试…')).toBeVisible();
  // Minutes without a connection pass (each retry waits longer, a minute at most).
  const tap = page.getByRole('button', { name: '点此重试' });
  for (let i = 0; i < 12 && !(await tap.isVisible()); i++) {
    await page.clock.fastForward('01:05');
    await page.waitForTimeout(300);
  }
  await expect(tap).toBeVisible();
  await expect(tap).toContainText("多次重试仍未发出");
  await shot(page, 'upload-stalled');
  await expectNoHorizontalScroll(page);
  // Nothing more is tried on its own.
  await page.clock.fastForward('05:00');
  await expect(tap).toBeVisible();
  await context.setOffline(false);
  await tap.tap();
  await expect(page.getByRole('link', { name: '已上传' })).toHaveCount(1, { timeout: 20_000 });
  await page.reload();
  await expect(page.getByRole('list', { name: '照片' }).getByRole('listitem')).toHaveCount(1);
});
